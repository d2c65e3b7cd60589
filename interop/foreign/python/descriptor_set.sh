#!/bin/sh
# Writes the blob store's FileDescriptorSet (blob.proto with its imports) to FILE, for
# clients that bind acme.blob.v1.BlobStore without reflection:
#
#   interop/foreign/python/descriptor_set.sh blob.pb
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 FILE (where to write acme/blob/v1/blob.proto's descriptor set)" >&2
  exit 2
fi
exec protoc --include_imports --descriptor_set_out="$1" \
  -I "$(dirname "$0")/../proto" acme/blob/v1/blob.proto
