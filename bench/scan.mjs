// Scanner, typosquat and feed figures, each beside a reference measured in the same run (medians).
//
//   npm run build && node bench/scan.mjs [--rounds 5] [--every N] [--scanner-only] [--parsers]
//
// Scanner throughput is MB of compressed tarball per second, on one thread (scanTarball: `sscs scan`, `sscs check`)
// and across a ScanPool of one and of N worker processes (the firewall's --scan), beside the chosen parser alone on the
// files the scanner parses (every JavaScript candidate outside test code), and beside the ceiling: N worker processes
// started as the pool starts them that only read each tarball (gunzip, tar) and parse those files, no analysis.
// CPU time (every thread of this process and of the worker processes it started) is printed beside wall-clock time:
// on a shared machine "MB/s per CPU time" is what the code costs, wall-clock what the machine gave it.
// Needs the corpus (node bench/corpus.mjs fetches it once into bench/.data/corpus/).
import { readdir, readFile, stat } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createGunzip } from 'node:zlib';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { t as listTar, c as createTar } from 'tar';
import { CORPUS_DIR } from './corpus-fetch.mjs';
import { writeSyntheticFeed, syntheticName } from './synthetic-feed.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, every: { type: 'string', default: '1' }, 'scanner-only': { type: 'boolean' }, parsers: { type: 'boolean' } } });
const ROUNDS = Number(values.rounds);
// --every N: every Nth corpus tarball only, for a quick look (the README quotes full runs).
const EVERY = Number(values.every);
const { scanTarball, DEFAULT_SCAN_LIMITS } = await import('../helper/dist/scan/index.js');
const { ScanPool, workerFlags, DEFAULT_WORKER_HEAP_MB } = await import('../helper/dist/scan/pool.js');
const { Collector } = await import('../helper/dist/scan/collect.js');
const { readTarball } = await import('../helper/dist/scan/tarball.js');
const { viewPackage } = await import('../helper/dist/scan/package.js');
const { parsedTexts } = await import('../helper/dist/scan/rules/code.js');
const { parseProgram } = await import('../helper/dist/scan/js/parse.js');
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

// 1. Scanner throughput over the corpus, on one thread and across a pool of worker threads (the firewall's
// --scan path), each with the process's CPU time beside wall-clock time (the machine may be shared).
if (!existsSync(CORPUS_DIR)) throw new Error('no corpus: run node bench/corpus.mjs first');
const files = (await readdir(CORPUS_DIR)).filter((f) => f.endsWith('.tgz')).sort().filter((_f, i) => i % EVERY === 0).map((f) => join(CORPUS_DIR, f));
let compressed = 0;
for (const f of files) compressed += (await stat(f)).size;
const mb = compressed / 1e6;
/** CPU ms of this process (all threads) and of its children that have ended (Linux: /proc/self/stat). */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000 + childrenCpuMs();
};
function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // cutime and cstime (fields 16 and 17 of proc(5)), in clock ticks of 1/100 s on Linux.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}
/** Median wall-clock ms of `rounds` runs, and the CPU ms (every thread of the process) of the median run. */
async function measure(fn, rounds = ROUNDS) {
  const runs = [];
  for (let i = 0; i < rounds; i++) {
    const c = cpuMs();
    const t = process.hrtime.bigint();
    await fn();
    runs.push({ ms: Number(process.hrtime.bigint() - t) / 1e6, cpu: cpuMs() - c });
  }
  return runs.sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)];
}
const rate = (ms) => `${(mb / (ms / 1000)).toFixed(1)} MB/s`;
const [load1] = loadavg();
console.log(`scanner: ${files.length} tarballs, ${mb.toFixed(1)} MB compressed, median of ${ROUNDS}; load average ${load1.toFixed(1)} on ${availableParallelism()} cores at the start`);
// The scanner's own gunzip settings (128 KiB output chunks), for a like-for-like ratio.
const gunzip = await measure(async () => {
  for (const f of files) await pipeline(createReadStream(f), createGunzip({ chunkSize: 128 * 1024 }), new Writable({ write: (_c, _e, cb) => cb() }));
});
const list = await measure(async () => {
  for (const f of files) await listTar({ file: f, onReadEntry: (e) => e.resume() });
});
const single = await measure(async () => {
  for (const f of files) await scanTarball(f);
});
const workers = Math.max(2, availableParallelism());
/** The whole corpus through a ScanPool, as the firewall scans: each worker reads its tarball file, gunzips and scans it. */
const poolRun = (concurrency) => measure(async () => {
  const pool = new ScanPool({ concurrency });
  try {
    await Promise.all(files.map((f) => pool.scan(f)));
  } finally {
    await pool.close();
  }
});
const pooledOne = await poolRun(1);
const pooled = await poolRun(workers);
/**
 * The ceiling: `workers` processes started with the scan workers' flags that read each tarball as the scanner does
 * (gunzip, tar, the same files kept) and parse the files it would parse, with no analysis and no text rules.
 */
const ceiling = await measure(async () => {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, () => new Promise((resolve, reject) => {
    const w = spawn(process.execPath, [...workerFlags(DEFAULT_WORKER_HEAP_MB), new URL('./scan-parse-worker.mjs', import.meta.url).pathname], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    const feed = () => (next < files.length ? w.send(files[next++]) : w.disconnect());
    w.on('message', feed);
    w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`parse worker exited with ${code}`))));
    feed();
  })));
});

// The chosen parser alone over exactly the files the scanner parses (read beforehand, not timed): the ratio to
// the scanner shows what reading the tarballs, the analysis and the text rules cost on top of parsing.
const parsed = [];
for (const f of files) {
  const c = new Collector(DEFAULT_SCAN_LIMITS);
  await readTarball(f, c);
  parsed.push(...parsedTexts(viewPackage(c.files)));
}
const jsMb = parsed.reduce((a, t) => a + t.length, 0) / 1e6;
const parse = await measure(() => {
  for (const t of parsed) parseProgram(t);
});
const cpuRate = (m, threads = 1) => `${(mb / (m.cpu / 1000 / threads)).toFixed(1)} MB/s per CPU time`;
const line = (label, m, extra = '') => console.log(`  ${label.padEnd(52)} ${m.ms.toFixed(0).padStart(7)} ms ${rate(m.ms).padStart(11)}  cpu ${m.cpu.toFixed(0).padStart(6)} ms  ${extra}`);
line('zlib gunzip, 128 KiB chunks (reference)', gunzip);
line('tar.t list, node-tar (reference)', list);
line(`meriyah parse, the ${parsed.length} files scanned, ${jsMb.toFixed(0)} MB (reference)`, parse, `${(jsMb / (parse.ms / 1000)).toFixed(1)} MB/s of JS; ${cpuRate(parse)}`);
line(`ceiling: ${workers} worker processes, read + parse only`, ceiling, `${cpuRate(ceiling, workers)} per worker; what ${workers} workers reach with no analysis`);
line('sscs scanTarball, one thread', single, `${cpuRate(single)}; ${(single.ms / parse.ms).toFixed(2)}x the parse, ${(single.ms / gunzip.ms).toFixed(1)}x gunzip`);
line('sscs ScanPool, 1 worker process', pooledOne, `${cpuRate(pooledOne)}`);
line(`sscs ScanPool, ${workers} worker processes`, pooled, `${cpuRate(pooled, workers)} per worker; ${(pooledOne.ms / pooled.ms).toFixed(2)}x one worker, ${(single.ms / pooled.ms).toFixed(2)}x one thread`);

// --parsers: the other pure-JavaScript parsers at hand on the same files, as the scanner would call them.
if (values.parsers) {
  const acorn = await import('acorn');
  const loose = await import('acorn-loose');
  const opts = { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true };
  const acornThenLoose = await measure(() => {
    for (const t of parsed) {
      try {
        acorn.parse(t, opts);
      } catch {
        loose.parse(t, opts);
      }
    }
  });
  const looseOnly = await measure(() => {
    for (const t of parsed) loose.parse(t, opts);
  });
  line('acorn, acorn-loose where it rejects (reference)', acornThenLoose, `${(jsMb / (acornThenLoose.ms / 1000)).toFixed(1)} MB/s of JS; ${cpuRate(acornThenLoose)}`);
  line('acorn-loose alone (reference)', looseOnly, `${(jsMb / (looseOnly.ms / 1000)).toFixed(1)} MB/s of JS; ${cpuRate(looseOnly)}`);
}

if (values['scanner-only']) process.exit(0);

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
