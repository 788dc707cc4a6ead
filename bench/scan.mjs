// Scanner, typosquat and feed figures, each beside a reference measured in the same run (medians).
//
//   npm run build && node bench/scan.mjs [--rounds 5]
// Needs the corpus (node bench/corpus.mjs fetches it once into bench/.data/corpus/).
import { readdir, readFile, stat } from 'node:fs/promises';
import { createReadStream, existsSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { t as listTar, c as createTar } from 'tar';
import { CORPUS_DIR } from './corpus-fetch.mjs';
import { writeSyntheticFeed, syntheticName } from './synthetic-feed.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const ROUNDS = Number(values.rounds);
const { scanTarball } = await import('../helper/dist/scan/index.js');
const { typosquatTargets } = await import('../helper/dist/feeds/typosquat.js');
const { buildTyposquatIndex, editDistance } = await import('../helper/dist/feeds/typosquat-index.js');
const { POPULAR_NPM_NAMES, KNOWN_LEGIT_NAMES } = await import('../helper/dist/feeds/popular-npm.js');
const { loadMaliciousFeed } = await import('../helper/dist/feeds/malicious.js');

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
async function medianMs(fn, rounds = ROUNDS) {
  const xs = [];
  for (let i = 0; i < rounds; i++) xs.push(await time(fn));
  return median(xs);
}
const row = (label, ms, extra = '') => console.log(`  ${label.padEnd(44)} ${ms.toFixed(1).padStart(9)} ms  ${extra}`);

// 1. Scanner throughput over the corpus.
if (!existsSync(CORPUS_DIR)) throw new Error('no corpus: run node bench/corpus.mjs first');
const files = (await readdir(CORPUS_DIR)).filter((f) => f.endsWith('.tgz')).map((f) => join(CORPUS_DIR, f));
let compressed = 0;
for (const f of files) compressed += (await stat(f)).size;
const mb = compressed / 1e6;
console.log(`scanner: ${files.length} tarballs, ${mb.toFixed(1)} MB compressed, median of ${ROUNDS}`);
const gunzipMs = await medianMs(async () => {
  for (const f of files) await pipeline(createReadStream(f), createGunzip(), new Writable({ write: (_c, _e, cb) => cb() }));
});
// The scanner's own gunzip settings (128 KiB output chunks), for a like-for-like ratio.
const gunzip128Ms = await medianMs(async () => {
  for (const f of files) await pipeline(createReadStream(f), createGunzip({ chunkSize: 128 * 1024 }), new Writable({ write: (_c, _e, cb) => cb() }));
});
const listMs = await medianMs(async () => {
  for (const f of files) await listTar({ file: f, onReadEntry: (e) => e.resume() });
});
const tarCliMs = await medianMs(async () => {
  for (const f of files) execFileSync('tar', ['-tzf', f], { stdio: 'ignore' });
}, Math.min(ROUNDS, 3));
const scanMs = await medianMs(async () => {
  for (const f of files) await scanTarball(f);
});
// The chosen parser alone over the same packages' JS files (extracted beforehand, not timed): the ratio to
// the scanner shows what the analysis and the text rules cost on top of parsing.
const { parseProgram } = await import('../helper/dist/scan/js/parse.js');
const { ANALYSIS_TRIGGER } = await import('../helper/dist/scan/js/indicators.js');
const jsTexts = [];
for (const f of files) {
  await listTar({ file: f, onReadEntry: (e) => {
    if (!/\.[cm]?js$/.test(e.path) || e.size > 4 * 1024 * 1024) return e.resume();
    const chunks = [];
    e.on('data', (c) => chunks.push(c));
    e.on('end', () => jsTexts.push(Buffer.concat(chunks).toString('latin1')));
  } });
}
const jsMb = jsTexts.reduce((a, t) => a + t.length, 0) / 1e6;
const parseAllMs = await medianMs(() => { for (const t of jsTexts) parseProgram(t); }, Math.min(ROUNDS, 3));
const triggered = jsTexts.filter((t) => ANALYSIS_TRIGGER.test(t));
const parseTriggeredMs = await medianMs(() => { for (const t of triggered) parseProgram(t); }, Math.min(ROUNDS, 3));
row('zlib gunzip only (reference)', gunzipMs, `${(mb / (gunzipMs / 1000)).toFixed(1)} MB/s`);
row('zlib gunzip, 128 KiB chunks (reference)', gunzip128Ms, `${(mb / (gunzip128Ms / 1000)).toFixed(1)} MB/s`);
row('tar.t list, node-tar (reference)', listMs, `${(mb / (listMs / 1000)).toFixed(1)} MB/s`);
row('tar -tzf, one process each (reference)', tarCliMs, `${(mb / (tarCliMs / 1000)).toFixed(1)} MB/s`);
row(`meriyah parse, all ${jsTexts.length} JS files, ${jsMb.toFixed(0)} MB (reference)`, parseAllMs, `${(mb / (parseAllMs / 1000)).toFixed(1)} MB/s of tarball, ${(jsMb / (parseAllMs / 1000)).toFixed(1)} MB/s of JS`);
row(`meriyah parse, the ${triggered.length} files the scanner parses (reference)`, parseTriggeredMs, `${(mb / (parseTriggeredMs / 1000)).toFixed(1)} MB/s of tarball`);
row('sscs scanTarball', scanMs, `${(mb / (scanMs / 1000)).toFixed(1)} MB/s  (${(scanMs / gunzip128Ms).toFixed(2)}x gunzip 128 KiB, ${(scanMs / listMs).toFixed(2)}x tar.t, ${(scanMs / parseAllMs).toFixed(2)}x parsing every JS file)`);

// 2. Typosquat: 3,000 names, half popular, half mutated.
const names = [];
for (let i = 0; names.length < 3000; i++) {
  const p = POPULAR_NPM_NAMES[i % POPULAR_NPM_NAMES.length];
  names.push(i % 2 === 0 ? p : p.length > 3 ? p.slice(0, 2) + p[3] + p[2] + p.slice(4) : `${p}x`);
}
console.log(`\ntyposquat: ${names.length} names against ${POPULAR_NPM_NAMES.length} popular names, median of ${ROUNDS}`);
const buildMs = await medianMs(() => buildTyposquatIndex(POPULAR_NPM_NAMES, KNOWN_LEGIT_NAMES));
typosquatTargets('warm-up');
let flagged = 0;
const checkMs = await medianMs(() => {
  flagged = names.filter((n) => typosquatTargets(n).length > 0).length;
});
const naiveSample = names.slice(0, 30);
const naiveMs = await medianMs(() => {
  for (const n of naiveSample) POPULAR_NPM_NAMES.filter((p) => editDistance(n, p, 2) <= 1);
}, 3);
row('index build (once per process)', buildMs);
row('check 3,000 names', checkMs, `${flagged} flagged`);
row('naive DL scan of the list, extrapolated to 3,000 (reference)', naiveMs * (names.length / naiveSample.length));

// 3. Feed load: 20,000 synthetic OSV records, as a folder and as a .tar.gz.
const feedDir = new URL('./.data/feed-20k/', import.meta.url).pathname;
const osv = await writeSyntheticFeed(feedDir, 20_000);
const archive = join(feedDir, 'osv.tar.gz');
await createTar({ gzip: true, cwd: feedDir, file: archive, portable: true }, ['osv']);
console.log(`\nfeed: 20,000 synthetic OSV records, median of ${ROUNDS}`);
const jsonFiles = [];
const walk = async (d) => { for (const e of await readdir(d, { withFileTypes: true })) e.isDirectory() ? await walk(join(d, e.name)) : jsonFiles.push(join(d, e.name)); };
await walk(osv);
const parseMs = await medianMs(async () => { for (const f of jsonFiles) JSON.parse(await readFile(f, 'utf8')); });
let feed;
const dirMs = await medianMs(async () => { feed = await loadMaliciousFeed(osv); });
const tgzMs = await medianMs(async () => { feed = await loadMaliciousFeed(archive); });
const lookupMs = await medianMs(() => { for (let i = 0; i < 20_000; i++) feed.lookup('npm', syntheticName(i), '2.1.0'); });
row('read + JSON.parse every file (reference)', parseMs);
row('loadMaliciousFeed(folder)', dirMs, `${feed.records} records`);
row('loadMaliciousFeed(.tar.gz)', tgzMs);
row('20,000 lookups', lookupMs);
