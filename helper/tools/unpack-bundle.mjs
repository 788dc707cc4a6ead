// Writes the chunks of a single-file helper (helper/dist/sscs.mjs, or the release asset) out as plain
// JavaScript files, after checking each against the digest its loader records, for review or debugging:
// a stack trace from the bundle names `sscs.mjs#<chunk>:<line>`, a line of the chunk file written here.
//   node helper/tools/unpack-bundle.mjs [bundle] [out-dir]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpackChunks } from './bundle.mjs';

const bundle = process.argv[2] ?? fileURLToPath(new URL('../dist/sscs.mjs', import.meta.url));
const out = process.argv[3] ?? `${bundle}.chunks`;
mkdirSync(out, { recursive: true });
const chunks = unpackChunks(readFileSync(bundle));
for (const [name, source] of Object.entries(chunks)) writeFileSync(join(out, name), source);
console.log(`wrote ${Object.keys(chunks).length} chunks to ${out}`);
