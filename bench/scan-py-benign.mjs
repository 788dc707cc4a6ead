// False positives of the Python scanner on real, widely used Python code nobody here wrote: Debian's python3
// packages (pip, setuptools, requests, urllib3, poetry and its dependencies, pipenv and its vendored packages),
// each top-level package packed as a wheel (its code runs on import) and as an sdist, plus the projects on this
// machine that ship a real setup.py (LLVM's lit, gsutil), packed as sdists (setup.py runs at install).
//
//   npm run build && npm run scan:py-benign [-- --verbose]
//
// SSCS_PY_DIST names another site-packages folder. Packages are read, packed into a temp folder and removed;
// nothing is copied into this repository.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSdist, buildWheel } from '../test/support/pypi-dist.ts';

const { values } = parseArgs({ options: { verbose: { type: 'boolean' } } });
const { scanPythonDistribution, severityRank } = await import('../helper/dist/scan/index.js');
const DIST = process.env.SSCS_PY_DIST ?? '/usr/lib/python3/dist-packages';
/** Projects with a real setup.py on Debian machines with these packages (llvm-14, google-cloud-sdk). */
const SETUP_PROJECTS = ['/usr/lib/llvm-14/build/utils/lit', '/usr/lib/google-cloud-sdk/platform/gsutil'];
/** Folders of vendored packages, each of whose top-level packages is packed on its own. */
const VENDORED = ['pip/_vendor', 'pipenv/vendor', 'pipenv/patched', 'poetry/core/_vendor'];
const SKIP_DIRS = new Set(['__pycache__', 'tests', 'test', 'testing']);
/** Files packed: Python code and start-up hooks (others never reach the Python rules). */
const CODE = /\.(?:py|pth)$/;
const MAX_FILES = 5000;

if (!existsSync(DIST)) {
  console.error(`${DIST} not found: set SSCS_PY_DIST to a site-packages folder`);
  process.exit(2);
}

function collect(root, dir = root, out = {}) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path, { throwIfNoEntry: false });
    if (!s) continue;
    if (s.isDirectory()) {
      if (!SKIP_DIRS.has(name)) collect(root, path, out);
    } else if (CODE.test(name) && Object.keys(out).length < MAX_FILES) {
      out[relative(root, path)] = readFileSync(path);
    }
  }
  return out;
}

/** Top-level packages (folders with __init__.py) and modules of a site-packages-like folder. */
function topLevel(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name.startsWith('_sandboxing') || name === '__pycache__' || /\.(?:dist|egg)-info$/.test(name)) continue;
    const s = statSync(path, { throwIfNoEntry: false });
    if (s?.isDirectory() && existsSync(join(path, '__init__.py'))) out.push({ name, files: Object.fromEntries(Object.entries(collect(path)).map(([p, b]) => [`${name}/${p}`, b])) });
    else if (s?.isFile() && name.endsWith('.py')) out.push({ name: name.slice(0, -3), files: { [name]: readFileSync(path) } });
  }
  return out;
}

const packages = topLevel(DIST);
// setuptools ships distutils-precedence.pth (an `import` line run at every start): it goes with its package.
const pth = join(DIST, 'distutils-precedence.pth');
const hack = packages.find((p) => p.name === '_distutils_hack');
if (hack && existsSync(pth)) hack.files['distutils-precedence.pth'] = readFileSync(pth);
for (const v of VENDORED) if (existsSync(join(DIST, v))) for (const p of topLevel(join(DIST, v))) packages.push({ ...p, name: `${v.replace(/\//g, '.')}.${p.name}` });

const work = await mkdtemp(join(tmpdir(), 'sscs-py-benign-'));
const rows = [];
let bytes = 0;
let ms = 0;
let n = 0;
async function scan(label, kind, file) {
  const t0 = performance.now();
  const r = await scanPythonDistribution(file, kind);
  ms += performance.now() - t0;
  bytes += r.bytes;
  rows.push({ label, kind, report: r });
}
for (const p of packages) {
  if (Object.keys(p.files).length === 0) continue;
  const safe = p.name.replace(/[^\w.]/g, '_');
  const wheel = join(work, `${safe}-${n}.whl`);
  const sdist = join(work, `${safe}-${n++}.tar.gz`);
  await writeFile(wheel, buildWheel({ name: safe, version: '1.0', files: p.files }).bytes);
  await writeFile(sdist, buildSdist({ name: safe, version: '1.0', files: p.files }).bytes);
  await scan(p.name, 'wheel', wheel);
  await scan(p.name, 'sdist', sdist);
}
for (const dir of SETUP_PROJECTS) {
  if (!existsSync(join(dir, 'setup.py'))) continue;
  const name = dir.split('/').pop();
  const sdist = join(work, `${name}-${n++}.tar.gz`);
  await writeFile(sdist, buildSdist({ name, version: '1.0', files: collect(dir) }).bytes);
  await scan(`${name} (setup.py)`, 'sdist', sdist);
}
await rm(work, { recursive: true, force: true });

const worst = (r) => r.findings[0]?.severity;
const atLeast = (r, s) => worst(r) !== undefined && severityRank(worst(r)) >= severityRank(s);
console.log(`Benign Python distributions from ${DIST}${SETUP_PROJECTS.some((d) => existsSync(d)) ? ' and real setup.py projects' : ''}: ${rows.length} (${packages.length} packages as wheel and sdist)`);
for (const kind of ['wheel', 'sdist']) {
  const of = rows.filter((r) => r.kind === kind);
  console.log(`${kind.padEnd(6)} ${String(of.length).padStart(4)} scanned: ${of.filter((r) => atLeast(r.report, 'high')).length} at ≥high, ${of.filter((r) => atLeast(r.report, 'medium')).length} at ≥medium, ${of.filter((r) => !r.report.complete).length} incomplete`);
}
for (const r of rows) {
  if (!atLeast(r.report, values.verbose ? 'medium' : 'high')) continue;
  console.log(`  ${worst(r.report).toUpperCase().padEnd(8)} ${r.label} (${r.kind})`);
  for (const f of r.report.findings.filter((x) => severityRank(x.severity) >= severityRank('medium')).slice(0, 4)) console.log(`           ${f.severity} ${f.rule} ${f.file}:${f.line ?? '-'} ${f.message.slice(0, 140)}`);
}
console.log(`${(bytes / 1e6).toFixed(1)} MB of Python read in ${(ms / 1000).toFixed(1)} s (${(bytes / 1e6 / (ms / 1000)).toFixed(2)} MB/s, one thread, other work running)`);
