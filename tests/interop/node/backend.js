#!/usr/bin/env node
'use strict';
/*
 * A real gRPC server for the interop tests: serves mesh.interop.Echo/Say and names itself in
 * every reply, so the referee client can count where routing sent each call.
 *
 *   node backend.js --name v1 [--port 0] [--host 127.0.0.1]
 *                   [--fail-first N] [--fail-rate F] [--fail-code UNAVAILABLE] [--delay-ms 0]
 *
 * --fail-first N   the first N calls this process receives fail with --fail-code
 * --fail-rate F    afterwards, each call fails with probability F (0..1)
 * --delay-ms D     answers (or fails) each call D ms after receiving it
 * --port 0         binds an ephemeral port; the port actually bound is printed
 *
 * Prints "READY <port>" on stdout once listening. Exits on SIGTERM/SIGINT, and when stdin
 * is a pipe that closes (so a test harness that dies takes its backends with it).
 */
const fs = require('fs');
const { loadEcho, grpc } = require('./proto');
const { parseArgs, num } = require('./args');

let opts;
try {
  opts = parseArgs(process.argv.slice(2), {
    defaults: { name: '', port: '0', host: '127.0.0.1', 'fail-first': '0', 'fail-rate': '0', 'fail-code': 'UNAVAILABLE', 'delay-ms': '0' },
  });
  if (!opts.name) throw new Error('--name is required');
} catch (e) {
  process.stderr.write(`backend: ${e.message}\n`);
  process.exit(2);
}

const failFirst = num(opts['fail-first'], 'fail-first');
const failRate = num(opts['fail-rate'], 'fail-rate');
const delayMs = num(opts['delay-ms'], 'delay-ms');
const failCode = grpc.status[opts['fail-code']];
if (failCode === undefined) {
  process.stderr.write(`backend: unknown --fail-code ${opts['fail-code']}\n`);
  process.exit(2);
}

let received = 0;
let failed = 0;

function say(call, callback) {
  received++;
  const n = received;
  if (delayMs > 0) setTimeout(() => answer(call, callback, n), delayMs);
  else answer(call, callback, n);
}

function answer(call, callback, n) {
  if (n <= failFirst || (failRate > 0 && Math.random() < failRate)) {
    failed++;
    callback({ code: failCode, details: `backend ${opts.name}: injected failure on call ${n}` });
    return;
  }
  callback(null, { backend: opts.name, message: call.request.message, served: n });
}

const Echo = loadEcho();
const server = new grpc.Server();
server.addService(Echo.service, { Say: say });

let stopping = false;
function stop(reason) {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`backend ${opts.name}: stopping (${reason}); received=${received} failed=${failed}\n`);
  server.forceShutdown();
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

// Watch stdin only when it is a pipe: a terminal or /dev/null must not end the server.
try {
  if (fs.fstatSync(0).isFIFO()) {
    process.stdin.on('end', () => stop('stdin closed'));
    process.stdin.on('error', () => stop('stdin error'));
    process.stdin.resume();
  }
} catch { /* no stdin at all */ }

server.bindAsync(`${opts.host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`backend ${opts.name}: bind failed: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`READY ${port}\n`);
});
