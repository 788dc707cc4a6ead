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
      // The registry API's tarball shape (`<name>/-/<bare name>-<version>.tgz`) on a public registry host, so that the
      // readers keep it a registry package (a tarball elsewhere is a `url` package, judged without feed or facts).
      resolved: `https://registry.npmjs.org/${name(i)}/-/${name(i).replace(/^@[^/]+\//, '')}-${version(i)}.tgz`,
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

// ---------------------------------------------------------------------------------------------------------------
// PyPI: a 500-package uv.lock through the same check, facts from a local PEP 691 index (JSON simple pages and
// the JSON API's licence) through a warm cache, the same 20k-record feed plus 3 PyPI MAL- records that hit it.
// References: the same check --offline with no feed, and Python's own tomllib reading the lockfile.
const PY_PACKAGES = 500;
const PY_DIRECT = 50;
const pyName = (i) => `bench-py-${i}`;
const pyVersion = (i) => `${1 + (i % 5)}.${i % 13}.${i % 7}`;
const PY_DATA = join(DATA, 'pypi');

function generatePypi() {
  mkdirSync(PY_DATA, { recursive: true });
  const hash = (i) => `sha256:${String(i).padStart(64, '0')}`;
  const lines = ['version = 1', 'revision = 3', 'requires-python = ">=3.9"', ''];
  lines.push('[[package]]', 'name = "bench-app"', 'version = "1.0.0"', 'source = { virtual = "." }', 'dependencies = [');
  for (let i = 0; i < PY_DIRECT; i++) lines.push(`    { name = "${pyName(i)}" },`);
  lines.push(']', '');
  for (let i = 0; i < PY_PACKAGES; i++) {
    lines.push('[[package]]', `name = "${pyName(i)}"`, `version = "${pyVersion(i)}"`, 'source = { registry = "https://pypi.org/simple" }');
    const children = [];
    for (let j = PY_DIRECT + (i % PY_DIRECT); j < PY_PACKAGES; j += PY_DIRECT) if (j > i && children.length < 10) children.push(j);
    if (i < PY_DIRECT && children.length) lines.push(`dependencies = [${children.map((j) => `{ name = "${pyName(j)}" }`).join(', ')}]`);
    lines.push(`wheels = [{ url = "https://files.pythonhosted.org/${pyName(i)}-${pyVersion(i)}-py3-none-any.whl", hash = "${hash(i)}", size = 1000 }]`, '');
  }
  writeFileSync(join(PY_DATA, 'uv.lock'), lines.join('\n'));
  for (let r = 0; r < 3; r++) {
    const i = r * 7 + PY_DIRECT;
    const dir = join(PY_DATA, 'feed', 'osv', 'malicious', 'pypi', pyName(i));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `MAL-2026-9${r}.json`), JSON.stringify({ id: `MAL-2026-9${r}`, affected: [{ package: { ecosystem: 'PyPI', name: pyName(i) }, versions: [pyVersion(i)] }] }));
  }
}

async function benchPypi() {
  generatePypi();
  // The npm feed's 20,000 records, plus the PyPI ones, as one archive.
  spawnSync('cp', ['-r', join(DATA, 'feed', 'osv'), join(PY_DATA, 'feed')]);
  await createTar({ gzip: true, file: join(PY_DATA, 'feed.tar.gz'), cwd: join(PY_DATA, 'feed') }, ['osv']);
  const index = createServer((req, res) => {
    const simple = /^\/simple\/([^/]+)\/$/.exec(req.url);
    const json = /^\/pypi\/([^/]+)\/([^/]+)\/json$/.exec(req.url);
    if (simple) {
      const n = simple[1];
      const i = Number(n.replace(/^bench-py-/, ''));
      const v = pyVersion(i);
      const file = { filename: `${n.replace(/-/g, '_')}-${v}-py3-none-any.whl`, url: `/files/${n}-${v}.whl`, hashes: { sha256: String(i).padStart(64, '0') }, 'upload-time': '2024-01-01T00:00:00Z' };
      res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json', etag: `"${n}"` }).end(JSON.stringify({ meta: { 'api-version': '1.1' }, name: n, versions: [v], files: [file] }));
    } else if (json) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ info: { license_expression: 'MIT' } }));
    else res.writeHead(404).end();
  });
  await new Promise((r) => index.listen(0, '127.0.0.1', r));
  const env = { ...process.env, PIP_INDEX_URL: `http://127.0.0.1:${index.address().port}/simple/` };
  const pyCache = join(PY_DATA, 'cache');
  const pyCheck = ['policy', 'check', 'uv.lock', '--cache-dir', pyCache, '--malicious-feed', 'feed.tar.gz', '--mode', 'warn', '--format', 'json'];
  const cold = await new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...pyCheck], { cwd: PY_DATA, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ stdout, stderr }));
  });
  index.close();
  const summary = JSON.parse(cold.stdout).summary;
  if (summary.total !== PY_PACKAGES || summary.deny !== 3) throw new Error(`unexpected PyPI result: ${JSON.stringify(summary)} ${cold.stderr}`);
  const py = [
    ['sscs policy check uv.lock (warm cache, 20k-record feed, default policy)', process.execPath, [CLI, ...pyCheck]],
    ['sscs policy check uv.lock --offline, no feed (reference)', process.execPath, [CLI, 'policy', 'check', 'uv.lock', '--offline', '--mode', 'warn', '--format', 'json']],
    ['python3 tomllib.load(uv.lock) (reference)', '/usr/bin/python3', ['-c', 'import tomllib; tomllib.load(open("uv.lock","rb"))']],
  ];
  const pyResults = py.map(([label]) => ({ label, ms: [] }));
  for (let run = 0; run < RUNS; run++) {
    py.forEach(([, cmd, args], i) => {
      const t = process.hrtime.bigint();
      const r = spawnSync(cmd, args, { cwd: PY_DATA, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (i === 0 && run === 0 && JSON.parse(r.stdout).checks.registry !== 'online') throw new Error('PyPI run was not online');
      pyResults[i].ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    });
  }
  const pyBase = median(pyResults[0].ms);
  console.log(`\n${PY_PACKAGES} PyPI packages (uv.lock), ${FEED_RECORDS} + 3 feed records, ${RUNS} runs each, medians:`);
  for (const r of pyResults) console.log(`  ${r.label.padEnd(66)} ${median(r.ms).toFixed(0).padStart(6)} ms   x${(median(r.ms) / pyBase).toFixed(2)}`);
}
await benchPypi();
