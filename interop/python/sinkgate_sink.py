#!/usr/bin/python3
"""A sinkgate.v1.Sink server in Python that stores every record to a file (Debian's packages only).

  sinkgate_sink.py --file records.jsonl [--listen 127.0.0.1:0] [--fsync]

Prints "listening on PORT" on stdout once it serves (port 0 picks a free one). Serves
Write and WriteStream (cumulative acks, one per record) and grpc.health.v1.Health, and
stops on SIGTERM or SIGINT: health goes NOT_SERVING, calls in flight get 5 s to finish.

Each accepted record is one JSON line in --file (the format is in sinkgate_proto.py and
interop/README.md), written and flushed to the OS before it is acknowledged
(DURABILITY_WRITTEN), and fsync'd too with --fsync (DURABILITY_SYNCED).

A record with a producer_id whose sequence is not above that producer's last stored one
is a duplicate: answered duplicate=true with the original offset and not stored. That
state is rebuilt from the file at start-up, so it survives a restart.

A record whose deadline has passed, or whose call was cancelled, is not stored; the call
ends DEADLINE_EXCEEDED (or CANCELLED). --delay SECONDS waits before storing each record,
for tests of exactly that.
"""
import argparse
import collections
import json
import os
import signal
import sys
import tempfile
import threading
from concurrent import futures

import sinkgate_proto

MAX_RECORD_BYTES = 4 << 20
# Room for a 4 MiB record plus its key and headers, so an oversize record reaches the
# handler and gets INVALID_ARGUMENT naming the limit rather than a transport error.
MAX_MESSAGE_BYTES = 8 << 20
# Per producer, the offsets of its last DEDUPE_WINDOW records are kept to answer a
# duplicate with its original offset; an older duplicate is still a duplicate, offset 0.
DEDUPE_WINDOW = 10000
SERVICE = "sinkgate.v1.Sink"


def log(message):
    print("sinkgate_sink: " + message, file=sys.stderr, flush=True)


class Producer:
    """One producer's last stored sequence and the offsets of its recent records."""

    def __init__(self):
        self.last = -1
        self.offsets = collections.OrderedDict()

    def stored(self, sequence, offset):
        self.last = sequence
        self.offsets[sequence] = offset
        if len(self.offsets) > DEDUPE_WINDOW:
            self.offsets.popitem(last=False)


class RecordFile:
    """The sink's file: appends record lines under a lock, flushed (and fsync'd) before append returns."""

    def __init__(self, path, fsync):
        self._lock = threading.Lock()
        self._fsync = fsync
        self._producers = {}
        self._next_offset = 0
        self._failed = None
        self._recover(path)
        self._file = open(path, "ab")

    def _recover(self, path):
        if not os.path.exists(path):
            return
        with open(path, "rb") as f:
            content = f.read()
        end = content.rfind(b"\n") + 1
        if end < len(content):
            # A torn last line: the process died while writing it, so it was never acknowledged.
            log("dropping a torn last line of %d bytes at byte %d of %s" % (len(content) - end, end, path))
            with open(path, "r+b") as f:
                f.truncate(end)
        for line in content[:end].splitlines():
            o = json.loads(line)
            self._remember(o.get("producer_id", ""), o.get("sequence", 0), self._next_offset)
            self._next_offset += 1

    def _remember(self, producer_id, sequence, offset):
        if producer_id:
            self._producers.setdefault(producer_id, Producer()).stored(sequence, offset)

    def append(self, request):
        """Stores request unless it is a duplicate; returns (offset, duplicate). Raises OSError once the file failed."""
        with self._lock:
            if self._failed is not None:
                raise OSError("the record file failed earlier: %s" % self._failed)
            if request.producer_id:
                p = self._producers.get(request.producer_id)
                if p is not None and request.sequence <= p.last:
                    return p.offsets.get(request.sequence, 0), True
            offset = self._next_offset
            try:
                self._file.write(sinkgate_proto.record_line(offset, request).encode("utf-8"))
                self._file.flush()
                if self._fsync:
                    os.fsync(self._file.fileno())
            except OSError as e:
                # A half-written line may be in the file: refuse everything from now on.
                self._failed = e
                raise
            self._next_offset += 1
            self._remember(request.producer_id, request.sequence, offset)
            return offset, False

    def healthy(self):
        return self._failed is None

    def close(self):
        with self._lock:
            if not self._file.closed:
                self._file.close()


def make_services(pb, grpc, record_file, durability, delay):
    """The Sink and Health servicers over record_file; delay (seconds) holds each record before storing it."""
    sink_pb2, sink_pb2_grpc, health_pb2, health_pb2_grpc = pb

    class FileSink(sink_pb2_grpc.SinkServicer):
        """sinkgate.v1.Sink over a RecordFile."""

        def _accept(self, request, context, where):
            """Stores one record, or aborts the call with the status that says why not; returns the response."""
            if len(request.data) > MAX_RECORD_BYTES:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "%s: %d bytes is over this sink's record limit"
                              " (expected: at most %d bytes)" % (where, len(request.data), MAX_RECORD_BYTES))
            if delay > 0:
                log("holding %s for %gs (--delay)" % (where, delay))
                ended = threading.Event()
                context.add_callback(ended.set)  # a cancelled or expired call ends the wait early
                ended.wait(delay)
            remaining = context.time_remaining()
            if remaining is not None and remaining <= 0:
                log("not storing %s: its deadline passed" % where)
                context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "%s: the deadline passed before it was stored" % where)
            if not context.is_active():
                log("not storing %s: the call was cancelled" % where)
                context.abort(grpc.StatusCode.CANCELLED, "%s: the call was cancelled before it was stored" % where)
            try:
                offset, duplicate = record_file.append(request)
            except OSError as e:
                context.abort(grpc.StatusCode.UNAVAILABLE, "%s: not stored, the sink's file failed: %s" % (where, e))
            return sink_pb2.WriteResponse(written=len(request.data), durability=durability,
                                          offset=offset, duplicate=duplicate)

        def Write(self, request, context):
            return self._accept(request, context, "the record")

        def WriteStream(self, request_iterator, context):
            count = written = 0
            for request in request_iterator:
                self._accept(request, context, "record %d" % count)
                count += 1
                written += len(request.data)
                yield sink_pb2.WriteAck(count=count, written=written, durability=durability)

    class Health(health_pb2_grpc.HealthServicer):
        """grpc.health.v1.Health: SERVING for "" and sinkgate.v1.Sink while the file works."""

        def __init__(self):
            self.stopping = threading.Event()

        def _status(self, service):
            if service not in ("", SERVICE):
                return None
            ok = record_file.healthy() and not self.stopping.is_set()
            return health_pb2.HealthCheckResponse.SERVING if ok else health_pb2.HealthCheckResponse.NOT_SERVING

        def Check(self, request, context):
            status = self._status(request.service)
            if status is None:
                context.abort(grpc.StatusCode.NOT_FOUND, "unknown service '%s' (expected: '' or '%s')"
                              % (request.service, SERVICE))
            return health_pb2.HealthCheckResponse(status=status)

        def Watch(self, request, context):
            ended = threading.Event()
            context.add_callback(ended.set)
            status = self._status(request.service)
            yield health_pb2.HealthCheckResponse(
                status=health_pb2.HealthCheckResponse.SERVICE_UNKNOWN if status is None else status)
            # The status changes only when the sink stops (or the file fails, seen by the next Check).
            while not ended.is_set() and not self.stopping.is_set():
                ended.wait(1.0)
            if self.stopping.is_set() and status is not None and not ended.is_set():
                yield health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.NOT_SERVING)

    return FileSink(), Health()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen", default="127.0.0.1:0", help="host:port to serve on (port 0: any free port)")
    p.add_argument("--file", required=True, help="the file records are appended to (created if missing)")
    p.add_argument("--fsync", action="store_true", help="fsync before each ack (DURABILITY_SYNCED)")
    p.add_argument("--delay", type=float, default=0.0, help="wait this many seconds before storing each record (tests)")
    p.add_argument("--workers", type=int, default=32, help="threads, hence concurrent calls, served at once")
    args = p.parse_args()

    with tempfile.TemporaryDirectory(prefix="sinkgate-py-") as stubs:
        pb = sinkgate_proto.load_stubs(stubs)
        import grpc
        sink_pb2, sink_pb2_grpc, _, health_pb2_grpc = pb
        durability = sink_pb2.DURABILITY_SYNCED if args.fsync else sink_pb2.DURABILITY_WRITTEN

        record_file = RecordFile(args.file, args.fsync)
        try:
            sink, health = make_services(pb, grpc, record_file, durability, args.delay)
            server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.workers),
                                 options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)])
            sink_pb2_grpc.add_SinkServicer_to_server(sink, server)
            health_pb2_grpc.add_HealthServicer_to_server(health, server)
            port = server.add_insecure_port(args.listen)
            if port == 0:
                sys.exit("sinkgate_sink: cannot listen on %s" % args.listen)
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            signal.signal(signal.SIGINT, lambda *_: stop.set())
            server.start()
            print("listening on %d" % port, flush=True)
            while not stop.wait(3600):
                pass
            health.stopping.set()
            server.stop(grace=5).wait()
        finally:
            record_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
