#!/usr/bin/python3
"""Write records to a sinkgate gateway, or any sinkgate.v1.Sink, from Python (Debian's packages only).

Needs python3-grpcio, python3-protobuf, protobuf-compiler and protobuf-compiler-grpc
(apt-get install ...). The stubs are generated from proto/.../sink.proto into a temporary
directory on every run, so nothing generated is ever committed.

  sinkgate_write.py --target 127.0.0.1:50051 --data hello --data world
  sinkgate_write.py --sink audit --key user-7 --header origin=py --count 100 --stream
  sinkgate_write.py --input records.jsonl --stream --producer-id p1

Records come from --data (text), then --input (record lines: the sink file format of
sinkgate_proto.py; "-" reads stdin), then --count generated ones ('record-0', ...). --key
and --header apply to --data and --count records. With --producer-id, every record without
its own producer_id gets that id and the sequences --first-sequence, +1, +2, ... in order.

Prints one JSON object per response (unary) or the final ack (--stream) and exits
non-zero with the gRPC status on failure.
"""
import argparse
import json
import sys
import tempfile

import sinkgate_proto


def records(args, sink_pb2):
    """The requests to send, lazily, in order."""
    headers = dict(h.split("=", 1) for h in args.header)
    for text in args.data:
        yield sink_pb2.WriteRequest(data=text.encode("utf-8"), key=args.key, headers=headers)
    if args.input:
        f = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
        with f:
            for line in f:
                if line.strip():
                    yield sinkgate_proto.request_from_line(sink_pb2, line)
    for i in range(args.count):
        yield sink_pb2.WriteRequest(data=("record-%d" % i).encode(), key=args.key, headers=headers)


def requests(args, sink_pb2):
    """records() with the sink name and, where asked, the producer id and sequences filled in."""
    sequence = args.first_sequence
    for r in records(args, sink_pb2):
        r.sink = args.sink
        if args.producer_id and not r.producer_id:
            r.producer_id = args.producer_id
            r.sequence = sequence
            sequence += 1
        yield r


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="127.0.0.1:50051", help="gateway or sink address (host:port)")
    p.add_argument("--sink", default="", help='route name ("" means default)')
    p.add_argument("--key", default="", help="record key")
    p.add_argument("--header", action="append", default=[], help="record header NAME=VALUE (repeatable)")
    p.add_argument("--data", action="append", default=[], help="a record's text (repeatable)")
    p.add_argument("--input", help="a file of record lines (JSON, data in base64); - for stdin")
    p.add_argument("--count", type=int, default=0, help="also write COUNT records 'record-0', 'record-1', ...")
    p.add_argument("--producer-id", default="", help="producer id for records that have none")
    p.add_argument("--first-sequence", type=int, default=1, help="the sequence of the first record given --producer-id")
    p.add_argument("--stream", action="store_true", help="send everything over one WriteStream")
    p.add_argument("--timeout", type=float, default=10.0, help="deadline per call (the whole stream), seconds")
    p.add_argument("--connect-timeout", type=float, default=30.0,
                   help="seconds to connect before the first call (not counted in --timeout)")
    args = p.parse_args()

    with tempfile.TemporaryDirectory(prefix="sinkgate-py-") as stubs:
        sink_pb2, sink_pb2_grpc, _, _ = sinkgate_proto.load_stubs(stubs)
        import grpc

        # Room for a 4 MiB record: the default receive limit would refuse nothing we send,
        # but keep the send side explicit.
        options = [("grpc.max_send_message_length", 8 << 20)]
        with grpc.insecure_channel(args.target, options=options) as channel:
            stub = sink_pb2_grpc.SinkStub(channel)
            try:
                # Connect first, so --timeout bounds the calls, not the connection.
                grpc.channel_ready_future(channel).result(timeout=args.connect_timeout)
            except grpc.FutureTimeoutError:
                print("sinkgate_write: UNAVAILABLE: no connection to %s within %gs (--connect-timeout)"
                      % (args.target, args.connect_timeout), file=sys.stderr)
                return 1
            try:
                if args.stream:
                    last = None
                    for ack in stub.WriteStream(requests(args, sink_pb2), timeout=args.timeout):
                        last = ack
                    if last is not None:
                        print(json.dumps({"count": last.count, "written": last.written,
                                          "durability": sink_pb2.Durability.Name(last.durability)}))
                else:
                    for r in requests(args, sink_pb2):
                        resp = stub.Write(r, timeout=args.timeout)
                        out = {"written": resp.written, "offset": resp.offset,
                               "durability": sink_pb2.Durability.Name(resp.durability)}
                        if resp.duplicate:
                            out["duplicate"] = True
                        print(json.dumps(out), flush=True)
            except grpc.RpcError as e:
                print("sinkgate_write: %s: %s" % (e.code().name, e.details()), file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
