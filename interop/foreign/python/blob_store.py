#!/usr/bin/python3
"""ACME's blob store (acme.blob.v1.BlobStore, ../proto/acme/blob/v1/blob.proto), on Debian's packages only.

  blob_store.py --file blobs.jsonl [--listen 127.0.0.1:0]

Prints "listening on PORT" on stdout once it serves (port 0 picks a free one). Stops on
SIGTERM or SIGINT: calls in flight get 5 s to finish, the file is closed, exit 0. No server
reflection (Debian ships no grpc_reflection module) and no health service: clients bind it
through its descriptor set (descriptor_set.sh).

Every Put becomes one JSON line in --file, written and flushed to the OS before the call is
answered; the store continues a file that exists and serves Get from it:

  {"sequence": 0, "name": "photo.png", "blob": "<base64>"}

sequence is the line number from 0 (arrival order). The stubs are generated at start-up into a
temporary directory with Debian's protoc and grpc_python_plugin; nothing generated is kept.
"""
import argparse
import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from concurrent import futures

import grpc

PROTO_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "proto")
GRPC_PYTHON_PLUGIN = "/usr/bin/grpc_python_plugin"


def log(message):
    print("blob_store: " + message, file=sys.stderr, flush=True)


def load_stubs(out_dir):
    """Compiles blob.proto into out_dir and returns (blob_pb2, blob_pb2_grpc)."""
    cmd = ["protoc", "-I", PROTO_ROOT, "--python_out=" + out_dir, "--grpc_python_out=" + out_dir,
           "--plugin=protoc-gen-grpc_python=" + GRPC_PYTHON_PLUGIN, "acme/blob/v1/blob.proto"]
    try:
        subprocess.run(cmd, check=True)
    except FileNotFoundError:
        sys.exit("blob_store: protoc is missing (apt-get install protobuf-compiler protobuf-compiler-grpc)")
    sys.path.insert(0, out_dir)
    from acme.blob.v1 import blob_pb2, blob_pb2_grpc
    return blob_pb2, blob_pb2_grpc


class BlobFile:
    """The store's file and the latest blob per name, appended under a lock."""

    def __init__(self, path):
        self._lock = threading.Lock()
        self._latest = {}
        self._count = 0
        if os.path.exists(path):
            with open(path, "rb") as f:
                content = f.read()
            end = content.rfind(b"\n") + 1
            if end < len(content):
                log("dropping a torn last line of %d bytes at byte %d of %s" % (len(content) - end, end, path))
                os.truncate(path, end)
            for line in content[:end].decode("utf-8").splitlines():
                entry = json.loads(line)
                self._latest[entry["name"]] = base64.b64decode(entry["blob"])
                self._count += 1
        self._file = open(path, "ab")

    def put(self, name, blob):
        with self._lock:
            line = json.dumps({"sequence": self._count, "name": name,
                               "blob": base64.b64encode(blob).decode("ascii")}, separators=(",", ":")) + "\n"
            self._file.write(line.encode("utf-8"))
            self._file.flush()
            self._count += 1
            self._latest[name] = blob

    def get(self, name):
        with self._lock:
            return self._latest.get(name)

    def close(self):
        with self._lock:
            self._file.close()


def blob_store(blob_pb2, blob_pb2_grpc, blobs):
    from google.protobuf import empty_pb2

    class BlobStore(blob_pb2_grpc.BlobStoreServicer):
        def Put(self, request, context):
            try:
                blobs.put(request.name, request.blob)
            except OSError as e:
                context.abort(grpc.StatusCode.UNAVAILABLE, "not stored: %s" % e)
            return empty_pb2.Empty()

        def Get(self, request, context):
            blob = blobs.get(request.name)
            if blob is None:
                context.abort(grpc.StatusCode.NOT_FOUND, "no blob named %r" % request.name)
            return blob_pb2.GetReply(blob=blob, name=request.name)

    return BlobStore()


def main():
    parser = argparse.ArgumentParser(description="ACME's blob store: acme.blob.v1.BlobStore over a file")
    parser.add_argument("--file", required=True, help="the JSON-lines file the blobs are stored in")
    parser.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (port 0 picks a free one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="blob-store-stubs-") as stubs:
        blob_pb2, blob_pb2_grpc = load_stubs(stubs)
        blobs = BlobFile(args.file)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        blob_pb2_grpc.add_BlobStoreServicer_to_server(blob_store(blob_pb2, blob_pb2_grpc, blobs), server)
        port = server.add_insecure_port(args.listen)
        if port == 0:
            log("cannot listen on %s" % args.listen)
            sys.exit(1)
        server.start()
        print("listening on %d" % port, flush=True)

        stopped = threading.Event()

        def stop(signum, frame):
            stopped.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopped.wait(3600):  # a timed wait, so the signal handler gets to run
            pass
        server.stop(5).wait()
        blobs.close()


if __name__ == "__main__":
    main()
