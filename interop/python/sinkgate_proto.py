"""What the Python sink and client share: the stubs, compiled at run time, and the record line.

The stubs are generated from proto/.../sinkgate/v1/sink.proto and interop/proto/.../health.proto
with Debian's protoc and grpc_python_plugin into a directory the caller owns (a temporary
one), so nothing generated is ever committed. Debian's python3-grpcio has no grpc_health
module, hence the committed copy of the standard health.proto.

The record line is the format of the sink's file and of the clients' --input: one JSON
object per line, fields in this order (readers must not depend on the order):

  {"offset": 0, "key": "k", "headers": {"a": "b"}, "data": "<base64>", "producer_id": "p", "sequence": 1}

offset is the record's 0-based line number in the sink's file (ignored in client input);
data is standard base64 with padding; sequence is a JSON integer (uint64). Every field but
data may be absent from client input.
"""
import base64
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SINK_PROTO_ROOT = os.path.join(HERE, "..", "..", "proto", "src", "main", "proto")
HEALTH_PROTO_DIR = os.path.join(HERE, "..", "proto", "grpc", "health", "v1")
GRPC_PYTHON_PLUGIN = "/usr/bin/grpc_python_plugin"


def load_stubs(out_dir):
    """Compiles the sink and health protos into out_dir and returns (sink_pb2, sink_pb2_grpc, health_pb2, health_pb2_grpc)."""
    # health.proto is compiled from its own directory so its modules are top-level
    # (health_pb2): a generated "grpc" package would shadow the grpc library itself.
    for include, proto in ((SINK_PROTO_ROOT, "sinkgate/v1/sink.proto"), (HEALTH_PROTO_DIR, "health.proto")):
        cmd = ["protoc", "-I", include, "--python_out=" + out_dir, "--grpc_python_out=" + out_dir,
               "--plugin=protoc-gen-grpc_python=" + GRPC_PYTHON_PLUGIN, proto]
        try:
            subprocess.run(cmd, check=True)
        except FileNotFoundError:
            sys.exit("sinkgate: protoc is missing (apt-get install protobuf-compiler protobuf-compiler-grpc)")
    sys.path.insert(0, out_dir)
    from sinkgate.v1 import sink_pb2, sink_pb2_grpc
    import health_pb2
    import health_pb2_grpc
    return sink_pb2, sink_pb2_grpc, health_pb2, health_pb2_grpc


def record_line(offset, request):
    """The file line (with its newline) that stores request at offset."""
    return json.dumps({"offset": offset, "key": request.key, "headers": dict(request.headers),
                       "data": base64.b64encode(request.data).decode("ascii"),
                       "producer_id": request.producer_id, "sequence": request.sequence},
                      separators=(",", ":")) + "\n"


def request_from_line(sink_pb2, line, sink=""):
    """The WriteRequest a record line describes (client input or a sink's file)."""
    o = json.loads(line)
    return sink_pb2.WriteRequest(sink=sink, key=o.get("key", ""), headers=o.get("headers", {}),
                                 data=base64.b64decode(o.get("data", ""), validate=True),
                                 producer_id=o.get("producer_id", ""), sequence=o.get("sequence", 0))
