#!/usr/bin/python3
"""Write records to a sinkgate gateway from Python, using only Debian's packages.

Needs python3-grpcio, python3-protobuf, protobuf-compiler and protobuf-compiler-grpc
(apt-get install ...). The stubs are generated from proto/.../sink.proto into a temporary
directory on every run, so nothing generated is ever committed.

  sinkgate_write.py --target 127.0.0.1:50051 --data hello --data world
  sinkgate_write.py --sink audit --key user-7 --header origin=py --count 100 --stream

Prints one JSON object per response (unary) or per ack (--stream) and exits non-zero
with the gRPC status on failure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_ROOT = os.path.join(HERE, "..", "..", "proto", "src", "main", "proto")


def generate_stubs(out_dir):
    """Compile sink.proto with Debian's protoc and grpc_python_plugin into out_dir."""
    plugin = "/usr/bin/grpc_python_plugin"
    cmd = ["protoc", "-I", PROTO_ROOT, "--python_out=" + out_dir, "--grpc_python_out=" + out_dir,
           "--plugin=protoc-gen-grpc_python=" + plugin, "sinkgate/v1/sink.proto"]
    try:
        subprocess.run(cmd, check=True)
    except FileNotFoundError:
        sys.exit("sinkgate_write: protoc is missing (apt-get install protobuf-compiler protobuf-compiler-grpc)")
    sys.path.insert(0, out_dir)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="127.0.0.1:50051", help="gateway address (host:port)")
    p.add_argument("--sink", default="", help='route name ("" means default)')
    p.add_argument("--key", default="", help="record key")
    p.add_argument("--header", action="append", default=[], help="record header NAME=VALUE (repeatable)")
    p.add_argument("--data", action="append", default=[], help="a record's text (repeatable)")
    p.add_argument("--count", type=int, default=0, help="also write COUNT records 'record-0', 'record-1', ...")
    p.add_argument("--stream", action="store_true", help="send everything over one WriteStream")
    p.add_argument("--timeout", type=float, default=10.0, help="deadline per call, seconds")
    args = p.parse_args()

    with tempfile.TemporaryDirectory(prefix="sinkgate-py-") as stubs:
        generate_stubs(stubs)
        import grpc
        from sinkgate.v1 import sink_pb2, sink_pb2_grpc

        headers = dict(h.split("=", 1) for h in args.header)
        records = [d.encode() for d in args.data] + [("record-%d" % i).encode() for i in range(args.count)]
        requests = [sink_pb2.WriteRequest(sink=args.sink, data=d, key=args.key, headers=headers) for d in records]

        with grpc.insecure_channel(args.target) as channel:
            stub = sink_pb2_grpc.SinkStub(channel)
            try:
                if args.stream:
                    last = None
                    for ack in stub.WriteStream(iter(requests), timeout=args.timeout):
                        last = ack
                    if last is not None:
                        print(json.dumps({"count": last.count, "written": last.written,
                                          "durability": sink_pb2.Durability.Name(last.durability)}))
                else:
                    for r in requests:
                        resp = stub.Write(r, timeout=args.timeout)
                        print(json.dumps({"written": resp.written, "offset": resp.offset,
                                          "durability": sink_pb2.Durability.Name(resp.durability)}))
            except grpc.RpcError as e:
                print("sinkgate_write: %s: %s" % (e.code().name, e.details()), file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
