'use strict';
// Tiny "--flag value" / "--flag=value" parser shared by backend.js and client.js.
// Repeatable flags (listed in `repeatable`) collect into arrays.
function parseArgs(argv, spec) {
  const out = {};
  for (const [key, def] of Object.entries(spec.defaults || {})) out[key] = def;
  for (const key of spec.repeatable || []) out[key] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}'`);
    let key, value;
    const eq = arg.indexOf('=');
    if (eq > 0) { key = arg.slice(2, eq); value = arg.slice(eq + 1); }
    else {
      key = arg.slice(2);
      if (i + 1 >= argv.length) throw new Error(`flag '${arg}' needs a value`);
      value = argv[++i];
    }
    if (!(key in out)) throw new Error(`unknown flag '--${key}'`);
    if (Array.isArray(out[key])) out[key].push(value); else out[key] = value;
  }
  return out;
}

function num(value, name) {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name}: not a number: ${value}`);
  return n;
}

module.exports = { parseArgs, num };
