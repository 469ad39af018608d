// Copies the import closure of roots.txt from the pinned @grpc/grpc-js-xds package into an
// output folder (under obj/, never committed) and writes the list of copied files for MSBuild.
// The package's protoc-gen-validate predates `ignore_empty` on StringRules, which Envoy's
// protos use; the copied validate.proto gets that one field so protoc accepts them.
import fs from 'node:fs';
import path from 'node:path';

const [, , depsDir, outDir, rootsFile] = process.argv;
if (!depsDir || !outDir || !rootsFile) {
  console.error('usage: node sync-protos.mjs <grpc-js-xds/deps> <out-dir> <roots.txt>');
  process.exit(2);
}
const includeDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map(d => path.join(depsDir, d));
const roots = fs.readFileSync(rootsFile, 'utf8').split('\n').map(l => l.trim()).filter(l => l && !l.startsWith('#'));

const resolve = rel => includeDirs.map(d => path.join(d, rel)).find(p => fs.existsSync(p));
const seen = new Set();
const queue = [...roots];
while (queue.length > 0) {
  const rel = queue.pop();
  if (seen.has(rel) || rel.startsWith('google/protobuf/')) continue; // well-known types ship with Grpc.Tools
  const src = resolve(rel);
  if (!src) { console.error(`sync-protos: ${rel} not found under ${depsDir}`); process.exit(1); }
  seen.add(rel);
  let text = fs.readFileSync(src, 'utf8');
  for (const m of text.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm)) queue.push(m[1]);
  if (rel === 'validate/validate.proto' && !/ignore_empty/.test(text)) {
    text = text.replace(/message StringRules \{/, 'message StringRules {\n    optional bool ignore_empty = 26;');
  }
  const dest = path.join(outDir, rel);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  if (!fs.existsSync(dest) || fs.readFileSync(dest, 'utf8') !== text) fs.writeFileSync(dest, text);
}
const list = [...seen].sort();
fs.writeFileSync(path.join(outDir, 'files.txt'), list.join('\n') + '\n');
console.log(`sync-protos: ${list.length} files in ${outDir}`);
