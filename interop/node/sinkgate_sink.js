#!/usr/bin/env node
'use strict';
// A sinkgate.v1.Sink server in Node that stores every record to a file.
//
//   node sinkgate_sink.js --file records.jsonl [--listen 127.0.0.1:0] [--fsync] [--delay SECONDS]
//
// Prints "listening on PORT" on stdout once it serves (port 0 picks a free one). Serves
// Write, WriteStream (cumulative acks: one per batch of records that arrived together)
// and grpc.health.v1.Health; stops on SIGTERM or SIGINT (health NOT_SERVING, calls in
// flight get 5 s to finish).
//
// Each accepted record is one JSON line in --file (format: sinkgate_proto.js), written
// to the OS before it is acknowledged (DURABILITY_WRITTEN), and fsync'd too with --fsync
// (DURABILITY_SYNCED). A record with a producer_id whose sequence is not above that
// producer's last stored one is a duplicate: answered duplicate=true with the original
// offset, not stored. That state is rebuilt from the file at start-up. A record whose
// deadline passed, or whose call was cancelled, is not stored (DEADLINE_EXCEEDED or
// CANCELLED); --delay waits before storing each record, for tests of exactly that.
const fs = require('fs');
const { grpc, loadProtos, recordLine, lineSequence } = require('./sinkgate_proto');

const MAX_RECORD_BYTES = 4 << 20;
// Room for a 4 MiB record plus key and headers, so an oversize record reaches the handler
// and gets INVALID_ARGUMENT naming the limit rather than a transport error.
const MAX_MESSAGE_BYTES = 8 << 20;
// Per producer, the offsets of its last DEDUPE_WINDOW records answer a duplicate with its
// original offset; an older duplicate is still a duplicate, with offset 0.
const DEDUPE_WINDOW = 10000;
// A stream stops reading (HTTP/2 flow control pushes back on the writer) while this many
// received records wait to be stored.
const STREAM_HIGH_WATER = 256;
const SERVICE = 'sinkgate.v1.Sink';

function log(message) {
  process.stderr.write('sinkgate_sink: ' + message + '\n');
}

/** A failure that ends a call with a gRPC status. */
function statusError(code, details) {
  return Object.assign(new Error(details), { code, details });
}

/** The sink's file: appends record lines synchronously, so a line is in the OS before append returns. */
class RecordFile {
  constructor(file, fsync) {
    this.fsync = fsync;
    this.producers = new Map(); // producer_id -> { last: BigInt, offsets: Map<string, number> }
    this.nextOffset = 0;
    this.failed = null;
    this.recover(file);
    this.fd = fs.openSync(file, 'a');
  }

  recover(file) {
    if (!fs.existsSync(file)) return;
    const content = fs.readFileSync(file);
    const end = content.lastIndexOf(0x0a) + 1;
    if (end < content.length) {
      // A torn last line: the process died while writing it, so it was never acknowledged.
      log(`dropping a torn last line of ${content.length - end} bytes at byte ${end} of ${file}`);
      fs.truncateSync(file, end);
    }
    for (const line of content.subarray(0, end).toString('utf8').split('\n')) {
      if (line === '') continue;
      this.remember(JSON.parse(line).producer_id || '', lineSequence(line), this.nextOffset++);
    }
  }

  remember(producerId, sequence, offset) {
    if (!producerId) return;
    let p = this.producers.get(producerId);
    if (!p) this.producers.set(producerId, (p = { last: -1n, offsets: new Map() }));
    p.last = sequence;
    p.offsets.set(sequence.toString(), offset);
    if (p.offsets.size > DEDUPE_WINDOW) p.offsets.delete(p.offsets.keys().next().value);
  }

  /** Stores request unless it is a duplicate: returns { offset, duplicate }. Throws once the file failed. */
  append(request) {
    if (this.failed) throw new Error('the record file failed earlier: ' + this.failed.message);
    const sequence = BigInt(request.sequence || 0);
    if (request.producer_id) {
      const p = this.producers.get(request.producer_id);
      if (p && sequence <= p.last) {
        return { offset: p.offsets.get(sequence.toString()) || 0, duplicate: true };
      }
    }
    const offset = this.nextOffset;
    const bytes = Buffer.from(recordLine(offset, request), 'utf8');
    try {
      for (let done = 0; done < bytes.length;) done += fs.writeSync(this.fd, bytes, done);
      if (this.fsync) fs.fsyncSync(this.fd);
    } catch (e) {
      this.failed = e; // a half-written line may be in the file: refuse everything from now on
      throw e;
    }
    this.nextOffset++;
    this.remember(request.producer_id, sequence, offset);
    return { offset, duplicate: false };
  }

  healthy() {
    return this.failed === null;
  }

  close() {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

/** The Sink handlers over a RecordFile. */
function sinkService(recordFile, durability, delaySeconds) {
  // Waits ms, or less if the call is cancelled (or its deadline passes) meanwhile.
  const holdUnlessCancelled = (call, ms) => new Promise((resolve) => {
    if (call.cancelled) return resolve();
    const done = () => {
      clearTimeout(timer);
      call.removeListener('cancelled', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    return call.once('cancelled', done);
  });

  async function accept(request, call, where) {
    const size = request.data.length;
    if (size > MAX_RECORD_BYTES) {
      throw statusError(grpc.status.INVALID_ARGUMENT,
        `${where}: ${size} bytes is over this sink's record limit (expected: at most ${MAX_RECORD_BYTES} bytes)`);
    }
    if (delaySeconds > 0) {
      log(`holding ${where} for ${delaySeconds}s (--delay)`);
      await holdUnlessCancelled(call, delaySeconds * 1000);
    }
    const deadline = call.getDeadline();
    if (deadline instanceof Date ? deadline.getTime() <= Date.now() : deadline <= Date.now()) {
      log(`not storing ${where}: its deadline passed`);
      throw statusError(grpc.status.DEADLINE_EXCEEDED, `${where}: the deadline passed before it was stored`);
    }
    if (call.cancelled) {
      log(`not storing ${where}: the call was cancelled`);
      throw statusError(grpc.status.CANCELLED, `${where}: the call was cancelled before it was stored`);
    }
    let stored;
    try {
      stored = recordFile.append(request);
    } catch (e) {
      throw statusError(grpc.status.UNAVAILABLE, `${where}: not stored, the sink's file failed: ${e.message}`);
    }
    return { written: String(size), durability, offset: String(stored.offset), duplicate: stored.duplicate };
  }

  return {
    Write(call, callback) {
      accept(call.request, call, 'the record').then((response) => callback(null, response), (e) => callback(e));
    },

    WriteStream(call) {
      const queue = [];
      let count = 0;
      let written = 0n;
      let ended = false;
      let busy = false;
      let failed = false;
      let paused = false;

      // Stores queued records one at a time, in order; acks once per drained batch.
      async function pump() {
        if (busy || failed) return;
        busy = true;
        try {
          while (queue.length > 0) {
            const request = queue.shift();
            await accept(request, call, `record ${count}`);
            count++;
            written += BigInt(request.data.length);
            if (queue.length === 0) {
              call.write({ count: String(count), written: written.toString(), durability });
            }
            if (paused && queue.length < STREAM_HIGH_WATER / 2) {
              paused = false;
              call.resume();
            }
          }
          if (ended) call.end();
        } catch (e) {
          failed = true;
          if (!call.cancelled) call.emit('error', e);
        } finally {
          busy = false;
        }
        if (!failed && (queue.length > 0 || (ended && !call.writableEnded))) pump();
      }

      call.on('data', (request) => {
        queue.push(request);
        if (queue.length >= STREAM_HIGH_WATER && !paused) {
          paused = true;
          call.pause();
        }
        pump();
      });
      call.on('end', () => {
        ended = true;
        pump();
      });
      call.on('error', () => {}); // a cancelled stream: nothing more to store or answer
    },
  };
}

/** grpc.health.v1.Health: SERVING for "" and sinkgate.v1.Sink while the file works and the sink is not stopping. */
function healthService(recordFile, stopping) {
  const watchers = new Set();
  const status = (service) => {
    if (service !== '' && service !== SERVICE) return null;
    return recordFile.healthy() && !stopping.value ? 'SERVING' : 'NOT_SERVING';
  };
  return {
    handlers: {
      Check(call, callback) {
        const s = status(call.request.service);
        if (s === null) {
          callback(statusError(grpc.status.NOT_FOUND,
            `unknown service '${call.request.service}' (expected: '' or '${SERVICE}')`));
        } else {
          callback(null, { status: s });
        }
      },
      Watch(call) {
        const s = status(call.request.service);
        call.write({ status: s === null ? 'SERVICE_UNKNOWN' : s });
        if (s === null) return;
        watchers.add(call);
        call.on('cancelled', () => watchers.delete(call));
      },
    },
    /** Tells every watcher that the sink is stopping and ends their calls. */
    stop() {
      for (const call of watchers) {
        call.write({ status: 'NOT_SERVING' });
        call.end();
      }
      watchers.clear();
    },
  };
}

function parseArgs(argv) {
  const args = { listen: '127.0.0.1:0', file: null, fsync: false, delay: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--listen') args.listen = value();
    else if (a === '--file') args.file = value();
    else if (a === '--fsync') args.fsync = true;
    else if (a === '--delay') args.delay = Number(value());
    else usage(`unknown argument '${a}'`);
  }
  if (!args.file) usage('--file is required');
  if (!(args.delay >= 0)) usage(`--delay: '${args.delay}' (expected: seconds >= 0)`);
  return args;
}

function usage(problem) {
  process.stderr.write(`sinkgate_sink: ${problem}\n`
    + 'usage: node sinkgate_sink.js --file PATH [--listen HOST:PORT] [--fsync] [--delay SECONDS]\n');
  process.exit(2);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const { sinkgate, health } = loadProtos();
  const durability = args.fsync ? 'DURABILITY_SYNCED' : 'DURABILITY_WRITTEN';
  const recordFile = new RecordFile(args.file, args.fsync);
  const stopping = { value: false };
  const healthImpl = healthService(recordFile, stopping);

  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
  server.addService(sinkgate.Sink.service, sinkService(recordFile, durability, args.delay));
  server.addService(health.Health.service, healthImpl.handlers);
  server.bindAsync(args.listen, grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      log(`cannot listen on ${args.listen}: ${err.message}`);
      recordFile.close();
      process.exit(1);
    }
    process.stdout.write(`listening on ${port}\n`);
  });

  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    stopping.value = true;
    healthImpl.stop();
    const force = setTimeout(() => server.forceShutdown(), 5000);
    server.tryShutdown(() => {
      clearTimeout(force);
      recordFile.close();
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
