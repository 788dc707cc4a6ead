// Benchmark: `sscs policy check` as a whole process over a 3,000-package lockfile with a 20,000-record OSV
// feed and registry metadata from a warm cache, side by side with references on the same lockfile:
//   - `sscs policy check --offline` with no feed (lockfile parsing + engine, no metadata, no feed),
//   - `npm ls --package-lock-only --all` (npm reading the same lockfile).
// Usage: npm run build && node bench/policy.mjs [--runs N]
import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { create as createTar } from 'tar';
import { writeSyntheticFeed } from './synthetic-feed.mjs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'helper/dist/cli.js');
const DATA = join(ROOT, 'bench/.data/policy');
const PACKAGES = 3000;
const FEED_RECORDS = 20_000;
const DIRECT = 300;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

const name = (i) => (i % 10 === 0 ? `@bench/pkg-${i}` : `bench-pkg-${i}`);
const version = (i) => `${1 + (i % 5)}.${i % 13}.${i % 7}`;

async function generate() {
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  // Lockfile v3: DIRECT direct dependencies, each of the rest depended on by an earlier package.
  const packages = { '': { name: 'bench-app', version: '1.0.0', dependencies: {} } };
  const deps = Array.from({ length: PACKAGES }, () => ({}));
  for (let i = DIRECT; i < PACKAGES; i++) deps[i % DIRECT][name(i)] = `^${version(i)}`;
  for (let i = 0; i < PACKAGES; i++) {
    if (i < DIRECT) packages[''].dependencies[name(i)] = `^${version(i)}`;
    packages[`node_modules/${name(i)}`] = {
      version: version(i),
      resolved: `http://127.0.0.1/${name(i)}/-/pkg-${version(i)}.tgz`,
      integrity: 'sha512-AAAA',
      license: 'MIT',
      ...(Object.keys(deps[i]).length ? { dependencies: deps[i] } : {}),
    };
  }
  writeFileSync(join(DATA, 'package-lock.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
  writeFileSync(join(DATA, 'package.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', dependencies: packages[''].dependencies }));
  // OSV feed: scan's 20,000 synthetic records (other names), plus 3 that hit packages of the lockfile.
  await writeSyntheticFeed(join(DATA, 'feed'), FEED_RECORDS);
  for (let r = 0; r < 3; r++) {
    const i = r * 7 + DIRECT;
    const dir = join(DATA, 'feed', 'osv', 'malicious', 'npm', name(i));
    mkdirSync(dir, { recursive: true });
    const affected = [{ package: { ecosystem: 'npm', name: name(i) }, versions: [version(i)] }];
    writeFileSync(join(dir, `MAL-2026-${r}.json`), JSON.stringify({ id: `MAL-2026-${r}`, modified: '2026-01-01T00:00:00Z', affected }));
  }
  // CI jobs fetch the feed as one archive (e.g. a tarball of ossf/malicious-packages); the bench reads that form.
  await createTar({ gzip: true, file: join(DATA, 'feed.tar.gz'), cwd: join(DATA, 'feed') }, ['osv']);
}

/** Packuments for every lockfile package, old enough to pass the age gate. */
function packumentFor(pkgName) {
  const i = Number(pkgName.replace(/^.*pkg-/, ''));
  const v = version(i);
  return JSON.stringify({
    name: pkgName,
    time: { [v]: '2024-01-01T00:00:00.000Z' },
    versions: { [v]: { name: pkgName, version: v, license: 'MIT', ...(i % 50 === 0 ? { scripts: { postinstall: 'node x.js' } } : {}), dist: { tarball: 'x' } } },
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(cmd, args, cwd) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  return { ms, status: r.status, out: r.stdout, err: r.stderr };
}

await generate();
const server = createServer((req, res) => {
  const n = decodeURIComponent(req.url.slice(1));
  res.writeHead(200, { 'content-type': 'application/json', etag: `"${n}"` }).end(packumentFor(n));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const registry = `http://127.0.0.1:${server.address().port}/`;
const cache = join(DATA, 'cache');

const check = ['policy', 'check', 'package-lock.json', '--registry', registry, '--cache-dir', cache, '--malicious-feed', 'feed.tar.gz', '--mode', 'warn', '--format', 'json'];
// Cold run fills the cache (not measured, but shown).
const cold = await new Promise((resolve) => {
  const t = process.hrtime.bigint();
  // Asynchronous, so that the in-process registry keeps answering.
  execFile(process.execPath, [CLI, ...check], { cwd: DATA, maxBuffer: 256 * 1024 * 1024 }, (err, stdout) => resolve({ ms: Number(process.hrtime.bigint() - t) / 1e6, stdout, err }));
});
server.close();
const coldReport = JSON.parse(cold.stdout);
console.log(`cold run (fills the cache from a local registry): ${cold.ms.toFixed(0)} ms, summary ${JSON.stringify(coldReport.summary)}`);

const variants = [
  ['sscs policy check (warm cache, 20k-record feed .tar.gz, default policy)', process.execPath, [CLI, ...check]],
  ['sscs policy check (warm cache, no feed)', process.execPath, [CLI, ...check.filter((a) => a !== '--malicious-feed' && a !== 'feed.tar.gz')]],
  ['sscs policy check --offline, no feed (reference)', process.execPath, [CLI, 'policy', 'check', 'package-lock.json', '--offline', '--mode', 'warn', '--format', 'json']],
  ['npm ls --package-lock-only --all (reference)', 'npm', ['ls', '--package-lock-only', '--all']],
];
const results = variants.map(([label]) => ({ label, ms: [] }));
for (let run = 0; run < RUNS; run++) {
  variants.forEach(([, cmd, args], i) => {
    const r = time(cmd, args, DATA);
    if (run === 0 && i === 0) {
      const rep = JSON.parse(r.out);
      if (rep.summary.total !== PACKAGES || rep.summary.deny !== 3 || rep.checks.registry !== 'online') throw new Error(`unexpected result: ${JSON.stringify(rep.summary)}`);
    }
    results[i].ms.push(r.ms);
  });
}
const base = median(results[0].ms);
console.log(`\n${PACKAGES} packages, ${FEED_RECORDS} feed records, ${RUNS} runs each, medians (node ${process.version}):`);
for (const r of results) console.log(`  ${r.label.padEnd(66)} ${median(r.ms).toFixed(0).padStart(6)} ms   x${(median(r.ms) / base).toFixed(2)}`);
