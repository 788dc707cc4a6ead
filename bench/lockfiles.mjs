// Parse time of a ~3,000-package npm lockfile: sscs's reader (in process, and the whole `sscs deps` CLI) against
// `npm ls --all --json --package-lock-only` on the same file, medians side by side in one run.
// The lockfile is made from the project's own package-lock.json: its package tree cloned under renamed package
// names until it holds at least TARGET packages, so its shape (nesting, dev/optional flags) is a real one.
// Run after `npm run build`:  node bench/lockfiles.mjs [--runs N]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = fileURLToPath(new URL('..', import.meta.url));
const TARGET = 3000;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const IN_PROCESS_RUNS = RUNS * 3;

const { readDependencyInputs } = await import(join(root, 'helper/dist/lockfiles/index.js'));

function synthesize() {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const real = Object.entries(lock.packages).filter(([k, v]) => k.startsWith('node_modules/') && !v.link);
  const copies = Math.ceil(TARGET / real.length);
  const rename = (name, k) => `${name}-c${k}`;
  const renameDeps = (deps, k) => deps && Object.fromEntries(Object.entries(deps).map(([n, r]) => [rename(n, k), r]));
  const packages = { '': { name: 'bench', version: '1.0.0', dependencies: {}, devDependencies: {} } };
  const pkgJson = { name: 'bench', version: '1.0.0', private: true, dependencies: {}, devDependencies: {} };
  for (let k = 0; k < copies; k++) {
    for (const [field, deps] of [['dependencies', lock.packages[''].dependencies], ['devDependencies', lock.packages[''].devDependencies]]) {
      for (const [n, r] of Object.entries(deps ?? {})) {
        packages[''][field][rename(n, k)] = r;
        pkgJson[field][rename(n, k)] = r;
      }
    }
    for (const [location, entry] of real) {
      const renamed = location.replace(/node_modules\/((?:@[^/]+\/)?[^/]+)/g, (_m, n) => `node_modules/${rename(n, k)}`);
      const e = { ...entry, name: rename(entry.name ?? location.split('node_modules/').pop(), k) };
      for (const f of ['dependencies', 'optionalDependencies', 'peerDependencies']) if (e[f]) e[f] = renameDeps(e[f], k);
      if (e.peerDependenciesMeta) e.peerDependenciesMeta = renameDeps(e.peerDependenciesMeta, k);
      packages[renamed] = e;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'sscs-bench-lock-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkgJson, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'bench', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  return { dir, count: Object.keys(packages).length - 1 };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(fn, runs) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

const { dir, count } = synthesize();
const offline = { ...process.env, npm_config_registry: 'http://127.0.0.1:9', npm_config_offline: 'true' };
// npm ls exits 1 when it finds "problems" (the project's own lockfile carries an override); its listing is
// complete all the same, so only a missing listing is a failure.
const npmLs = () => {
  const r = spawnSync('npm', ['ls', '--all', '--json', '--package-lock-only'], { cwd: dir, env: offline, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 });
  if (!r.stdout?.length) throw new Error(`npm ls printed nothing (exit ${r.status})`);
  return r.stdout;
};
const cli = () => execFileSync(process.execPath, [join(root, 'helper/dist/cli.js'), 'deps', 'package-lock.json', '--format', 'json'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 });

const graph = await readDependencyInputs([join(dir, 'package-lock.json')]);
// Warm-up once each, then alternate so that machine noise hits both sides alike.
const listed = new Set();
const walk = (deps) => { for (const [k, v] of Object.entries(deps ?? {})) { if (v.version) listed.add(`${k}@${v.version}`); walk(v.dependencies); } };
walk(JSON.parse(npmLs().toString()).dependencies);
cli();
const inProcess = [];
for (let i = 0; i < IN_PROCESS_RUNS; i++) {
  const t = performance.now();
  await readDependencyInputs([join(dir, 'package-lock.json')]);
  inProcess.push(performance.now() - t);
}
const npm = [];
const ours = [];
for (let i = 0; i < RUNS; i++) {
  npm.push(...time(npmLs, 1));
  ours.push(...time(cli, 1));
}

const m = { inProcess: median(inProcess), cli: median(ours), npm: median(npm) };
console.log(`lockfile: ${count} entries, ${graph.packages.length} unique name@version (${dir}/package-lock.json)`);
console.log(`npm ls lists ${listed.size} unique name@version`);
console.log(`runs: ${RUNS} per command, ${IN_PROCESS_RUNS} in process`);
console.log(`readDependencyInputs (in process)      median ${m.inProcess.toFixed(1)} ms`);
console.log(`sscs deps --format json (new process)   median ${m.cli.toFixed(1)} ms`);
console.log(`npm ls --all --json --package-lock-only median ${m.npm.toFixed(1)} ms`);
console.log(`ratio npm ls / sscs deps: ${(m.npm / m.cli).toFixed(2)}x; npm ls / in-process parse: ${(m.npm / m.inProcess).toFixed(1)}x`);
