#!/usr/bin/env node
'use strict';
// ACME's audit log service (acme.audit.v1.AuditLog, ../proto/acme/audit/v1/audit.proto):
// every appended entry becomes one JSON line in a file.
//
//   node audit_log.js --file audit.jsonl [--listen 127.0.0.1:0]
//
// Prints "listening on PORT" on stdout once it serves (port 0 picks a free one). Serves
// server reflection (@grpc/reflection) and grpc.health.v1.Health (grpc-health-check);
// stops on SIGTERM or SIGINT: health NOT_SERVING, calls in flight finish, the file is closed,
// exit 0.
//
// The file's line for an entry (written to the OS before the call is answered):
//   {"sequence":0,"source":"billing","labels":{"tenant":"acme"},"payload":"<base64>","received_at":"<ISO 8601>"}
// sequence is the line number from 0 (arrival order); the log continues a file that exists.
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { ReflectionService } = require('@grpc/reflection');
const { HealthImplementation } = require('grpc-health-check');

const SERVICE = 'acme.audit.v1.AuditLog';

function log(message) {
  process.stderr.write('audit_log: ' + message + '\n');
}

/** The log's file; appends synchronously, so an entry is in the OS before append returns. */
class EntryFile {
  constructor(file) {
    this.entries = [];
    if (fs.existsSync(file)) {
      const content = fs.readFileSync(file);
      const end = content.lastIndexOf(0x0a) + 1;
      if (end < content.length) {
        log(`dropping a torn last line of ${content.length - end} bytes at byte ${end} of ${file}`);
        fs.truncateSync(file, end);
      }
      for (const line of content.subarray(0, end).toString('utf8').split('\n')) {
        if (line !== '') this.entries.push(JSON.parse(line));
      }
    }
    this.fd = fs.openSync(file, 'a');
  }

  append(request) {
    const entry = {
      sequence: this.entries.length,
      source: request.source,
      labels: request.labels,
      payload: request.payload.toString('base64'),
      received_at: new Date().toISOString(),
    };
    const bytes = Buffer.from(JSON.stringify(entry) + '\n', 'utf8');
    for (let done = 0; done < bytes.length;) done += fs.writeSync(this.fd, bytes, done);
    this.entries.push(entry);
    return request.payload.length;
  }

  close() {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

function auditLog(entries) {
  const append = (request) => {
    try {
      return entries.append(request);
    } catch (e) {
      throw Object.assign(new Error(`not stored: ${e.message}`), { code: grpc.status.UNAVAILABLE });
    }
  };
  return {
    Append(call, callback) {
      try {
        callback(null, { stored: append(call.request) });
      } catch (e) {
        callback(e);
      }
    },

    AppendMany(call, callback) {
      let stored = 0;
      let failed = false;
      call.on('data', (request) => {
        if (failed) return;
        try {
          stored += append(request);
        } catch (e) {
          failed = true;
          callback(e);
        }
      });
      call.on('end', () => {
        if (!failed) callback(null, { stored });
      });
    },

    Tail(call) {
      const from = Number(call.request.from_sequence);
      if (from < 0) {
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT,
          details: `from_sequence: ${from} (expected: >= 0)` });
        return;
      }
      const limit = call.request.limit > 0 ? call.request.limit : Infinity;
      for (const e of entries.entries.slice(from, from + limit)) {
        const millis = Date.parse(e.received_at);
        call.write({
          sequence: e.sequence,
          payload: Buffer.from(e.payload, 'base64'),
          source: e.source,
          labels: e.labels,
          received_at: { seconds: Math.floor(millis / 1000), nanos: (millis % 1000) * 1e6 },
        });
      }
      call.end();
    },
  };
}

function parseArgs(argv) {
  const args = { listen: '127.0.0.1:0', file: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === '--listen' || a === '--file') && i + 1 < argv.length) args[a.slice(2)] = argv[++i];
    else usage(`unexpected argument '${a}'`);
  }
  if (!args.file) usage('--file is required');
  return args;
}

function usage(problem) {
  process.stderr.write(`audit_log: ${problem}\nusage: node audit_log.js --file PATH [--listen HOST:PORT]\n`);
  process.exit(2);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const definition = protoLoader.loadSync('acme/audit/v1/audit.proto', {
    includeDirs: [path.join(__dirname, '..', 'proto')], keepCase: true, longs: Number, defaults: true,
  });
  const { AuditLog } = grpc.loadPackageDefinition(definition).acme.audit.v1;
  const entries = new EntryFile(args.file);
  const health = new HealthImplementation({ '': 'SERVING', [SERVICE]: 'SERVING' });

  const server = new grpc.Server();
  server.addService(AuditLog.service, auditLog(entries));
  new ReflectionService(definition).addToServer(server);
  health.addToServer(server);
  server.bindAsync(args.listen, grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      log(`cannot listen on ${args.listen}: ${err.message}`);
      process.exit(1);
    }
    process.stdout.write(`listening on ${port}\n`);
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    health.setStatus('', 'NOT_SERVING');
    health.setStatus(SERVICE, 'NOT_SERVING');
    const force = setTimeout(() => server.forceShutdown(), 5000);
    server.tryShutdown(() => {
      clearTimeout(force);
      entries.close();
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
