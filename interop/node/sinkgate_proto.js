'use strict';
// What the Node sink and client share: the protos, loaded at run time with
// @grpc/proto-loader (nothing generated, nothing committed), and the record line.
//
// The record line is the format of the sink's file and of the clients' --input: one JSON
// object per line,
//   {"offset":0,"key":"k","headers":{"a":"b"},"data":"<base64>","producer_id":"p","sequence":1}
// offset is the record's 0-based line number in the sink's file (ignored in client
// input); data is standard base64; sequence is a JSON integer (a uint64: kept exact as a
// BigInt here, never a double). Every field but data may be absent from client input.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const SINK_PROTO_ROOT = path.join(__dirname, '..', '..', 'proto', 'src', 'main', 'proto');
const HEALTH_PROTO_ROOT = path.join(__dirname, '..', 'proto');

/** Loads sinkgate.v1 and grpc.health.v1: returns { sinkgate, health }, the service packages. */
function loadProtos() {
  const definition = protoLoader.loadSync(['sinkgate/v1/sink.proto', 'grpc/health/v1/health.proto'], {
    includeDirs: [SINK_PROTO_ROOT, HEALTH_PROTO_ROOT],
    keepCase: true, // field names as in the .proto: producer_id, not producerId
    longs: String, // uint64 as decimal strings, never a lossy double
    enums: String,
    bytes: Buffer,
    defaults: true,
  });
  const loaded = grpc.loadPackageDefinition(definition);
  return { sinkgate: loaded.sinkgate.v1, health: loaded.grpc.health.v1 };
}

/** The file line (with its newline) that stores request at offset. */
function recordLine(offset, request) {
  // Written by hand so the uint64 sequence goes out exactly (JSON.stringify has no BigInt).
  return '{"offset":' + offset
    + ',"key":' + JSON.stringify(request.key || '')
    + ',"headers":' + JSON.stringify(request.headers || {})
    + ',"data":' + JSON.stringify(Buffer.from(request.data || []).toString('base64'))
    + ',"producer_id":' + JSON.stringify(request.producer_id || '')
    + ',"sequence":' + BigInt(request.sequence || 0).toString() + '}\n';
}

const SEQUENCE = /"sequence"\s*:\s*(\d+)\s*}\s*$/;

/** The sequence of a record line, exact: JSON.parse would round one above 2^53. */
function lineSequence(line) {
  const m = SEQUENCE.exec(line);
  return m ? BigInt(m[1]) : BigInt(JSON.parse(line).sequence || 0);
}

/** The WriteRequest fields a record line describes (client input or a sink's file). */
function requestFromLine(line) {
  const o = JSON.parse(line);
  return {
    key: o.key || '',
    headers: o.headers || {},
    data: Buffer.from(o.data || '', 'base64'),
    producer_id: o.producer_id || '',
    sequence: lineSequence(line).toString(),
  };
}

module.exports = { grpc, loadProtos, recordLine, lineSequence, requestFromLine };
