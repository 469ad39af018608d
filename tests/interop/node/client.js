#!/usr/bin/env node
'use strict';
/*
 * The referee: a real third-party xDS client (@grpc/grpc-js-xds) dialing xds:///<host>:<port>
 * with the bootstrap named by GRPC_XDS_BOOTSTRAP. Whatever the control plane serves, this is
 * what a proxyless gRPC application would do with it.
 *
 *   node client.js --target echo.mesh.local:50051 [--calls 100] [--concurrency 1]
 *                  [--deadline-ms 5000] [--ready-timeout-ms 15000]
 *                  [--header k=v ...] [--cycle-header x-user=20]
 *                  [--until backend=v2,fraction=0.95,window=50 --timeout-s 30 --interval-ms 5 --baseline 20]
 *                  [--hold-s 0]
 *
 * --ready-timeout-ms: first wait (at most this long) for the channel to be READY, and report
 *   ready/readyMs; 0 skips the wait (ready: null) — needed for ring_hash, which stays IDLE until
 *   a call is picked. Calls are made either way.
 * Normal mode: N calls (at most --concurrency in flight), then ONE JSON line on stdout:
 *   {target, ready, readyMs, calls, ok, failed, backends:{name:count}, errors:{STATUS:count},
 *    errorSamples:[...], latencyMs:{min,p50,p90,p99,max,mean}, elapsedMs, perValue?}
 * --cycle-header name=K sends header `name: u<i % K>` on call i and reports per value which
 *   backends answered (perValue: {u0: {v1: 10}, ...}).
 * Until mode (--until): calls one at a time (--interval-ms apart) until, among the last
 *   `window` calls, at least `fraction` were answered by `backend`, or --timeout-s passes.
 *   After --baseline calls it prints "BASELINE {json}" on stderr so a harness knows the client
 *   is connected and can make its change. The JSON line then also has
 *   until:{met, elapsedMs, metAtEpochMs, firstHitEpochMs, baseline:{...}, calls}
 *   where firstHitEpochMs is when the first call of the final satisfying streak hit `backend`.
 * --hold-s T: after printing, keep the process (and its ADS stream) alive for up to T seconds,
 *   or until stdin (when a pipe) closes — for tests that inspect the server's view of this proxy.
 */
const fs = require('fs');
const { loadEcho, grpc } = require('./proto');
const { parseArgs, num } = require('./args');

function fail(message) {
  process.stderr.write(`client: ${message}\n`);
  process.exit(2);
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2), {
    defaults: {
      target: '', calls: '100', concurrency: '1', 'deadline-ms': '5000', 'ready-timeout-ms': '15000',
      'cycle-header': '', until: '', 'timeout-s': '30', 'interval-ms': '5', baseline: '20', 'hold-s': '0',
    },
    repeatable: ['header'],
  });
  if (!opts.target) throw new Error('--target host:port is required');
  if (!process.env.GRPC_XDS_BOOTSTRAP && !process.env.GRPC_XDS_BOOTSTRAP_CONFIG) {
    throw new Error('GRPC_XDS_BOOTSTRAP (path of the bootstrap JSON) is not set');
  }
} catch (e) {
  fail(e.message);
}

require('@grpc/grpc-js-xds').register();

// grpc-js-xds reports a bad bootstrap only as an opaque resolution error on every call
// (e.g. "Cannot read properties of null"); validate it up front for a readable failure.
// (Internal module of the pinned version; node.locality, for one, is required.)
try {
  require('@grpc/grpc-js-xds/build/src/xds-bootstrap').loadBootstrapInfo();
} catch (e) {
  if (e && e.code !== 'MODULE_NOT_FOUND') fail(`invalid xDS bootstrap: ${e.message}`);
}

const calls = num(opts.calls, 'calls');
const concurrency = Math.max(1, num(opts.concurrency, 'concurrency'));
const deadlineMs = num(opts['deadline-ms'], 'deadline-ms');
const readyTimeoutMs = num(opts['ready-timeout-ms'], 'ready-timeout-ms');
const holdS = num(opts['hold-s'], 'hold-s');

const fixedHeaders = opts.header.map(h => {
  const eq = h.indexOf('=');
  if (eq <= 0) fail(`--header expects name=value, got '${h}'`);
  return [h.slice(0, eq).toLowerCase(), h.slice(eq + 1)];
});

let cycle = null;
if (opts['cycle-header']) {
  const [name, k] = opts['cycle-header'].split('=');
  if (!name || !(Number(k) > 0)) fail(`--cycle-header expects name=K, got '${opts['cycle-header']}'`);
  cycle = { name: name.toLowerCase(), k: Number(k) };
}

let until = null;
if (opts.until) {
  const spec = Object.fromEntries(opts.until.split(',').map(kv => kv.split('=')));
  until = {
    backend: spec.backend,
    fraction: Number(spec.fraction ?? '0.95'),
    window: Number(spec.window ?? '50'),
  };
  if (!until.backend || !(until.fraction > 0 && until.fraction <= 1) || !(until.window > 0)) {
    fail(`--until expects backend=NAME,fraction=F,window=W, got '${opts.until}'`);
  }
}

const statusName = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));
const Echo = loadEcho();
const client = new Echo(`xds:///${opts.target}`, grpc.credentials.createInsecure());

const backends = {};
const errors = {};
const errorSamples = [];
const latencies = [];
const perValue = {};
let ok = 0;
let failed = 0;
let issued = 0;

function headerValueFor(i) {
  return cycle ? `u${i % cycle.k}` : null;
}

/** One call; resolves to {backend|null, code|null, ms}. Never rejects. */
function oneCall(i) {
  const md = new grpc.Metadata();
  for (const [k, v] of fixedHeaders) md.add(k, v);
  const cycleValue = headerValueFor(i);
  if (cycleValue !== null) md.set(cycle.name, cycleValue);
  const started = process.hrtime.bigint();
  return new Promise(resolve => {
    client.Say({ message: `call ${i}` }, md, { deadline: Date.now() + deadlineMs }, (err, reply) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      latencies.push(ms);
      let outcome;
      if (err) {
        failed++;
        const name = statusName[err.code] ?? String(err.code);
        errors[name] = (errors[name] ?? 0) + 1;
        if (errorSamples.length < 5 && !errorSamples.some(s => s.code === name && s.details === err.details)) {
          errorSamples.push({ code: name, details: err.details });
        }
        outcome = { backend: null, code: name, ms };
      } else {
        ok++;
        backends[reply.backend] = (backends[reply.backend] ?? 0) + 1;
        outcome = { backend: reply.backend, code: null, ms };
      }
      if (cycleValue !== null) {
        const slot = perValue[cycleValue] ?? (perValue[cycleValue] = {});
        const key = outcome.backend ?? `error:${outcome.code}`;
        slot[key] = (slot[key] ?? 0) + 1;
      }
      resolve(outcome);
    });
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return round(sorted[idx]);
}
function round(x) { return Math.round(x * 100) / 100; }

function latencySummary() {
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null;
  return {
    min: sorted.length ? round(sorted[0]) : null,
    p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99),
    max: sorted.length ? round(sorted[sorted.length - 1]) : null,
    mean: mean === null ? null : round(mean),
  };
}

function waitForReady() {
  if (readyTimeoutMs <= 0) return Promise.resolve({ ready: null, readyMs: 0, readyError: 'skipped (--ready-timeout-ms 0)' });
  return new Promise(resolve => {
    const start = Date.now();
    client.waitForReady(Date.now() + readyTimeoutMs, err => {
      resolve({ ready: !err, readyMs: Date.now() - start, readyError: err ? err.message : undefined });
    });
  });
}

async function runFixed() {
  const worker = async () => {
    while (issued < calls) {
      const i = issued++;
      await oneCall(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker));
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function runUntil() {
  const timeoutMs = num(opts['timeout-s'], 'timeout-s') * 1000;
  const intervalMs = num(opts['interval-ms'], 'interval-ms');
  const baselineCalls = num(opts.baseline, 'baseline');
  const window = [];          // {hit, at}
  const baseline = {};
  let baselineSent = baselineCalls === 0;
  if (baselineSent) process.stderr.write(`BASELINE {}\n`);
  let start = Date.now();
  let i = 0;
  while (true) {
    const outcome = await oneCall(i++);
    const key = outcome.backend ?? `error:${outcome.code}`;
    if (!baselineSent) {
      baseline[key] = (baseline[key] ?? 0) + 1;
      if (i >= baselineCalls) {
        baselineSent = true;
        process.stderr.write(`BASELINE ${JSON.stringify(baseline)}\n`);
        start = Date.now();     // the clock for the condition starts once the harness is told
        window.length = 0;
      }
      continue;
    }
    window.push({ hit: outcome.backend === until.backend, at: Date.now() });
    if (window.length > until.window) window.shift();
    const hits = window.filter(w => w.hit).length;
    if (window.length === until.window && hits >= until.fraction * until.window) {
      // The streak: walk back from the end while calls hit; its first hit approximates the shift.
      let first = window.length - 1;
      while (first > 0 && window[first - 1].hit) first--;
      return { met: true, elapsedMs: Date.now() - start, metAtEpochMs: Date.now(), firstHitEpochMs: window[first].at, baseline, calls: i };
    }
    if (Date.now() - start > timeoutMs) {
      return { met: false, elapsedMs: Date.now() - start, lastWindowHits: hits, baseline, calls: i };
    }
    if (intervalMs > 0) await sleep(intervalMs);
  }
}

async function main() {
  const t0 = Date.now();
  const readiness = await waitForReady();
  let untilResult;
  if (until) untilResult = await runUntil(); else await runFixed();
  const result = {
    target: opts.target,
    ready: readiness.ready, readyMs: readiness.readyMs, readyError: readiness.readyError,
    calls: ok + failed, ok, failed, backends, errors, errorSamples,
    latencyMs: latencySummary(),
    elapsedMs: Date.now() - t0,
  };
  if (cycle) result.perValue = perValue;
  if (untilResult) result.until = untilResult;
  process.stdout.write(JSON.stringify(result) + '\n', () => hold());
}

function hold() {
  if (holdS <= 0) { client.close(); process.exit(0); }
  const timer = setTimeout(() => process.exit(0), holdS * 1000);
  try {
    if (fs.fstatSync(0).isFIFO()) {
      process.stdin.on('end', () => { clearTimeout(timer); process.exit(0); });
      process.stdin.resume();
    }
  } catch { /* no stdin */ }
}

process.on('SIGTERM', () => process.exit(0));
main().catch(e => {
  process.stderr.write(`client: ${e && e.stack || e}\n`);
  process.exit(1);
});
