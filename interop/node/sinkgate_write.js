#!/usr/bin/env node
'use strict';
// Write records to a sinkgate gateway, or any sinkgate.v1.Sink, from Node.
//
//   node sinkgate_write.js --target 127.0.0.1:50051 --data hello --data world
//   node sinkgate_write.js --sink audit --key user-7 --header origin=node --count 100 --stream
//   node sinkgate_write.js --input records.jsonl --stream --producer-id p1
//
// Records come from --data (text), then --input (record lines, see sinkgate_proto.js;
// "-" reads stdin), then --count generated ones ('record-0', ...). --key and --header apply
// to --data and --count records. With --producer-id, every record without its own
// producer_id gets that id and the sequences --first-sequence, +1, +2, ... in order.
//
// Prints one JSON object per response (unary) or the final ack (--stream) and exits
// non-zero with the gRPC status on failure. Same flags as interop/python/sinkgate_write.py.
const fs = require('fs');
const readline = require('readline');
const { grpc, loadProtos, requestFromLine } = require('./sinkgate_proto');

function parseArgs(argv) {
  const args = {
    target: '127.0.0.1:50051', sink: '', key: '', headers: {}, data: [], input: null, count: 0,
    producerId: '', firstSequence: 1n, stream: false, timeout: 10, connectTimeout: 30,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--target') args.target = value();
    else if (a === '--sink') args.sink = value();
    else if (a === '--key') args.key = value();
    else if (a === '--header') {
      const h = value();
      const eq = h.indexOf('=');
      if (eq < 0) usage(`--header: '${h}' (expected: NAME=VALUE)`);
      args.headers[h.slice(0, eq)] = h.slice(eq + 1);
    } else if (a === '--data') args.data.push(value());
    else if (a === '--input') args.input = value();
    else if (a === '--count') args.count = Number(value());
    else if (a === '--producer-id') args.producerId = value();
    else if (a === '--first-sequence') args.firstSequence = BigInt(value());
    else if (a === '--stream') args.stream = true;
    else if (a === '--timeout') args.timeout = Number(value());
    else if (a === '--connect-timeout') args.connectTimeout = Number(value());
    else usage(`unknown argument '${a}'`);
  }
  if (!Number.isInteger(args.count) || args.count < 0) usage(`--count: '${args.count}' (expected: an integer >= 0)`);
  if (!(args.timeout > 0)) usage(`--timeout: '${args.timeout}' (expected: seconds > 0)`);
  if (!(args.connectTimeout > 0)) usage(`--connect-timeout: '${args.connectTimeout}' (expected: seconds > 0)`);
  return args;
}

function usage(problem) {
  process.stderr.write(`sinkgate_write: ${problem}\nusage: node sinkgate_write.js [--target HOST:PORT] [--sink NAME]`
    + ' [--key K] [--header N=V]... [--data TEXT]... [--input FILE|-] [--count N] [--producer-id P]'
    + ' [--first-sequence S] [--stream] [--timeout SECONDS] [--connect-timeout SECONDS]\n');
  process.exit(2);
}

/** The requests to send, lazily, in order, with the sink name and producer sequences filled in. */
async function* requests(args) {
  let sequence = args.firstSequence;
  const stamp = (r) => {
    r.sink = args.sink;
    if (args.producerId && !r.producer_id) {
      r.producer_id = args.producerId;
      r.sequence = (sequence++).toString();
    }
    return r;
  };
  const own = (data) => ({ data, key: args.key, headers: args.headers, producer_id: '', sequence: '0' });
  for (const text of args.data) yield stamp(own(Buffer.from(text, 'utf8')));
  if (args.input) {
    const input = args.input === '-' ? process.stdin : fs.createReadStream(args.input);
    for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
      if (line.trim() !== '') yield stamp(requestFromLine(line));
    }
  }
  for (let i = 0; i < args.count; i++) yield stamp(own(Buffer.from(`record-${i}`, 'utf8')));
}

function fail(e) {
  const code = Object.keys(grpc.status).find((k) => grpc.status[k] === e.code) || 'UNKNOWN';
  process.stderr.write(`sinkgate_write: ${code}: ${e.details || e.message}\n`);
  process.exitCode = 1;
}

async function writeUnary(stub, args) {
  for await (const r of requests(args)) {
    const deadline = Date.now() + args.timeout * 1000;
    const resp = await new Promise((resolve, reject) => {
      stub.Write(r, { deadline }, (err, response) => (err ? reject(err) : resolve(response)));
    });
    const out = { written: Number(resp.written), offset: Number(resp.offset), durability: resp.durability };
    if (resp.duplicate) out.duplicate = true;
    process.stdout.write(JSON.stringify(out) + '\n');
  }
}

async function writeStream(stub, args) {
  const call = stub.WriteStream({ deadline: Date.now() + args.timeout * 1000 });
  let last = null;
  const done = new Promise((resolve, reject) => {
    call.on('data', (ack) => { last = ack; });
    call.on('error', reject);
    call.on('end', resolve);
  });
  done.catch(() => {}); // observed below; a failure while still sending must not go unhandled
  for await (const r of requests(args)) {
    if (!call.write(r)) {
      // HTTP/2 flow control: wait until the sink wants more, or the call ends.
      await Promise.race([new Promise((resolve) => call.once('drain', resolve)), done]);
    }
  }
  call.end();
  await done;
  if (last !== null) {
    process.stdout.write(JSON.stringify({ count: Number(last.count), written: Number(last.written),
      durability: last.durability }) + '\n');
  }
}

/** Waits up to --connect-timeout for a connection; fails UNAVAILABLE saying so. */
function connect(stub, args) {
  return new Promise((resolve, reject) => {
    stub.waitForReady(Date.now() + args.connectTimeout * 1000, (err) => {
      if (!err) return resolve();
      return reject({ code: grpc.status.UNAVAILABLE,
        details: `no connection to ${args.target} within ${args.connectTimeout}s (--connect-timeout)` });
    });
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { sinkgate } = loadProtos();
  const stub = new sinkgate.Sink(args.target, grpc.credentials.createInsecure(),
    { 'grpc.max_send_message_length': 8 << 20 });
  try {
    // Connect first, so --timeout bounds the calls, not the connection.
    await connect(stub, args);
    await (args.stream ? writeStream(stub, args) : writeUnary(stub, args));
  } catch (e) {
    fail(e);
  } finally {
    stub.close();
  }
}

main();
