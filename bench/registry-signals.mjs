// How often each registry metadata signal fires on the latest version of the most-used npm packages: the
// false-positive rate of provenance_dropped, publisher_changed, install_script_added and dormant_for on
// packages that are (almost all) benign. Also prints how many documents carry the fields the signals read
// (`_npmUser`, `dist.attestations`, `time`), since a registry or mirror that leaves them out makes a signal
// unknown, not quiet.
//
//   npm run build && node bench/registry-signals.mjs [--top 1000] [--registry URL]
//
// Packuments are fetched once (8 at a time, 60 s and 64 MB each) and kept reduced, with their latest tag,
// under bench/.data/packuments/ (gitignored).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { topNames } from './corpus-fetch.mjs';

const { readPackument, factsFromPackument } = await import('../helper/dist/registry/packument.js');
const { releaseSignals, RELEASE_SIGNALS } = await import('../helper/dist/policy/signals.js');

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const TOP = Number(opt('--top', '1000'));
const REGISTRY = opt('--registry', 'https://registry.npmjs.org').replace(/\/$/, '');
const DIR = new URL('./.data/packuments/', import.meta.url).pathname;
const CONCURRENCY = 8;
const TIMEOUT_MS = 60_000;
const MAX_BYTES = 64 * 1024 * 1024;

async function reduced(name) {
  const file = `${DIR}${createHash('sha256').update(`${REGISTRY}\0${name}`).digest('hex').slice(0, 32)}.json`;
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {}
  const res = await fetch(`${REGISTRY}/${name.replace('/', '%2f')}`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_BYTES) throw new Error(`${name}: over ${MAX_BYTES} bytes`);
  const doc = JSON.parse(body.toString('utf8'));
  const versions = Object.values(doc.versions ?? {});
  const entry = {
    name,
    latest: doc['dist-tags']?.latest,
    // What the document carries at all, to tell "the signal is quiet" from "the data is not there".
    fields: { versions: versions.length, npmUser: versions.filter((v) => v?._npmUser).length, attestations: versions.filter((v) => v?.dist?.attestations).length, time: Object.keys(doc.time ?? {}).length },
    meta: readPackument(doc, name, `${REGISTRY}/`, 'full').meta,
  };
  await writeFile(file, JSON.stringify(entry));
  return entry;
}

await mkdir(DIR, { recursive: true });
const names = (await topNames(TOP)).slice(0, TOP);
const entries = [];
const failures = [];
const queue = [...names];
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      try {
        entries.push(await reduced(name));
      } catch (e) {
        failures.push(`${name}: ${e.message}`);
      }
    }
  }),
);

const now = new Date();
const counts = Object.fromEntries(RELEASE_SIGNALS.map((s) => [s.condition, { holds: [], unknown: 0 }]));
let withUser = 0;
let withAttestation = 0;
for (const e of entries) {
  if (!e.latest || !e.meta.versions[e.latest]) {
    failures.push(`${e.name}: no latest version in the document`);
    continue;
  }
  const facts = factsFromPackument(e.meta, e.latest);
  if (facts.publisher) withUser++;
  if (facts.hasProvenance) withAttestation++;
  for (const s of releaseSignals(facts, now)) {
    if (s.holds === true) counts[s.signal].holds.push(`${e.name}@${e.latest}`);
    else counts[s.signal].unknown++;
  }
}
const n = entries.length - failures.filter((f) => f.endsWith('no latest version in the document')).length;
const pct = (k) => `${((100 * k) / Math.max(1, n)).toFixed(1)}%`;
console.log(`registry metadata signals on the latest version of the top ${TOP} npm packages (${REGISTRY}): ${n} measured, ${failures.length} failed`);
console.log(`documents: ${withUser} latest versions name a publisher (_npmUser), ${withAttestation} carry a provenance attestation`);
console.log('signal                 value  holds          unknown        examples');
for (const s of RELEASE_SIGNALS) {
  const c = counts[s.condition];
  console.log(`${s.condition.padEnd(22)} ${String(s.value).padEnd(6)} ${`${c.holds.length} (${pct(c.holds.length)})`.padEnd(14)} ${`${c.unknown} (${pct(c.unknown)})`.padEnd(14)} ${c.holds.slice(0, 4).join(', ')}`);
}
for (const f of failures.slice(0, 10)) console.log(`failed: ${f}`);
