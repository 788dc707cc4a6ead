// Firewall overhead, side by side in one run: the same requests straight to verdaccio and through
// `sscs firewall serve` in front of it. Cached packuments and tarballs (throughput ratio, p50/p99 latency),
// RSS of the firewall while it serves a 20 MB packument, denied tarballs under load (non-403 must be 0), and the
// first-fetch cost of a policy that needs facts the abbreviated packument lacks, in front of a registry-like
// upstream that answers as registry.npmjs.org does (abbreviated form without time, scripts, license, attestations).
//
// PyPI rows follow (bench/firewall-pypi.mjs); `--only pypi` runs those alone.
//
//   npm run build && node --experimental-strip-types bench/firewall.mjs [--seconds 8] [--connections 16] [--only pypi]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startVerdaccio } from '../test/support/verdaccio.ts';
import { startNpmRegistry } from '../test/support/npm-registry.ts';
import { pypiRows } from './firewall-pypi.mjs';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '8' }, connections: { type: 'string', default: '16' }, rounds: { type: 'string', default: '3' }, only: { type: 'string' } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);
const CLI = fileURLToPath(new URL('../helper/dist/cli.js', import.meta.url));
/** 2,000 versions with 10 kB of description each: a packument of about 20 MB, like the largest on npm. */
const BIG_VERSIONS = 2000;
const BIG_DESCRIPTION = 10_000;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const run = (url, opts = {}) =>
  new Promise((resolve, reject) => autocannon({ url, connections: CONNECTIONS, ...(opts.amount ? {} : { duration: SECONDS }), ...opts }, (err, r) => (err ? reject(err) : resolve(r))));

async function rssOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

if (values.only === 'pypi') {
  const children = [];
  process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  const dir = await mkdtemp(join(tmpdir(), 'sscs-bench-fw-'));
  const policy = join(dir, 'policy.yml');
  await writeFile(policy, 'version: 1\nrules:\n  - id: no-denied\n    match: "pkg:pypi/denied-py"\n    action: deny\n');
  await pypiRows({ run, median, seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, cli: CLI, dir, policy, children });
  process.exit(0);
}

console.log('starting verdaccio and seeding packages...');
const v = await startVerdaccio();
const children = [];
// Whatever happens, leave no server behind.
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
process.on('uncaughtException', async (e) => {
  console.error(e);
  children.forEach((c) => c.kill('SIGKILL'));
  await v.close();
  process.exit(1);
});
const small = Array.from({ length: 40 }, (_, i) => `1.${i}.0`);
await v.seedVersions('bench-pkg', small, { readmeBytes: 200 });
await v.seedVersions('denied-pkg', ['1.0.0', '1.1.0']);
const MISS_VERSIONS = Array.from({ length: 3000 }, (_, i) => `2.0.${i}`);
await v.seedVersions('miss-pkg', MISS_VERSIONS);
await v.seedVersions('big-pkg', Array.from({ length: BIG_VERSIONS }, (_, i) => `1.0.${i}`), { readmeBytes: BIG_DESCRIPTION });

const dir = await mkdtemp(join(tmpdir(), 'sscs-bench-fw-'));
const policy = join(dir, 'policy.yml');
await writeFile(policy, 'version: 1\nrules:\n  - id: no-denied\n    match: denied-pkg\n    action: deny\n    reason: benchmark deny\n');
async function startFirewall(name, ttl, opts = {}) {
  const data = join(dir, name);
  const proc = spawn(process.execPath, [CLI, 'firewall', 'serve', '--policy', opts.policy ?? policy, '--upstream', opts.upstream ?? v.url, '--listen', '127.0.0.1:0', '--data-dir', data, '--port-file', join(data, 'port.json'), '--packument-ttl', String(ttl)], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const url = await readFile(join(data, 'port.json'), 'utf8').then((t) => JSON.parse(t).url, () => undefined);
    if (url) {
      children.push(proc);
      return { proc, url };
    }
  }
  throw new Error('firewall did not start');
}
// One firewall serving from its cache, one revalidating every packument upstream (TTL 0: a conditional GET per request).
const { proc: fwProc, url: fwUrl } = await startFirewall('cached', 3600);
const { proc: revalProc, url: revalUrl } = await startFirewall('revalidating', 0);

// Warm both sides: the firewall's packument and tarball caches, verdaccio's own.
for (const base of [v.url, fwUrl, revalUrl]) {
  await (await fetch(`${base}/bench-pkg`)).arrayBuffer();
  await (await fetch(`${base}/bench-pkg/-/bench-pkg-1.39.0.tgz`)).arrayBuffer();
}
const packumentBytes = (await (await fetch(`${fwUrl}/bench-pkg`)).arrayBuffer()).byteLength;

const KINDS = { packument: ['/bench-pkg', fwUrl], tarball: ['/bench-pkg/-/bench-pkg-1.39.0.tgz', fwUrl], 'packument TTL 0': ['/bench-pkg', revalUrl] };
const results = Object.fromEntries(Object.keys(KINDS).map((k) => [k, { direct: [], proxied: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [kind, [path, proxy]] of Object.entries(KINDS)) {
    for (const [side, base] of [['direct', v.url], ['proxied', proxy]]) {
      const r = await run(base + path);
      if (r.non2xx || r.errors) throw new Error(`${side} ${kind}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      results[kind][side].push({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 });
    }
  }
}

console.log(`\n${SECONDS}s x ${ROUNDS} rounds, ${CONNECTIONS} connections, medians over rounds (packument ${packumentBytes} bytes)`);
console.log('what                 direct req/s  proxied req/s  ratio   direct p50/p99 ms  proxied p50/p99 ms  added p50/p99 ms');
for (const kind of Object.keys(KINDS)) {
  const d = results[kind].direct;
  const p = results[kind].proxied;
  const m = (xs, k) => median(xs.map((x) => x[k]));
  console.log(
    `${(kind === 'packument TTL 0' ? 'packument (TTL 0)' : `${kind} (cached)`).padEnd(20)} ${m(d, 'rps').toFixed(0).padStart(12)}  ${m(p, 'rps').toFixed(0).padStart(13)}  ${(m(p, 'rps') / m(d, 'rps')).toFixed(2).padStart(5)}   ` +
      `${`${m(d, 'p50')}/${m(d, 'p99')}`.padStart(17)}  ${`${m(p, 'p50')}/${m(p, 'p99')}`.padStart(18)}  ${`${m(p, 'p50') - m(d, 'p50')}/${m(p, 'p99') - m(d, 'p99')}`.padStart(16)}`,
  );
}

// Pass-through: every tarball fetched once (a cache miss through the firewall: fetch upstream, verify, store).
await (await fetch(`${fwUrl}/miss-pkg`)).arrayBuffer();
const missRun = async (base) => {
  let i = 0;
  const t = performance.now();
  const r = await run(base, { amount: MISS_VERSIONS.length, requests: [{ setupRequest: (req) => ({ ...req, path: `/miss-pkg/-/miss-pkg-${MISS_VERSIONS[i++ % MISS_VERSIONS.length]}.tgz` }) }] });
  return { ...r, wallSeconds: (performance.now() - t) / 1000 };
};
const missDirect = await missRun(v.url);
const missProxied = await missRun(fwUrl);
if (missProxied.non2xx || missProxied.errors) throw new Error(`tarball misses: ${missProxied.non2xx} non-2xx, ${missProxied.errors} errors`);
// A fixed amount of requests: autocannon's per-second averages are too coarse, use the wall time.
const rps = (r) => r.requests.total / r.wallSeconds;
console.log(
  `${'tarball (first fetch)'.padEnd(20)} ${rps(missDirect).toFixed(0).padStart(12)}  ${rps(missProxied).toFixed(0).padStart(13)}  ${(rps(missProxied) / rps(missDirect)).toFixed(2).padStart(5)}   ` +
    `${`${missDirect.latency.p50}/${missDirect.latency.p99}`.padStart(17)}  ${`${missProxied.latency.p50}/${missProxied.latency.p99}`.padStart(18)}  ${`${missProxied.latency.p50 - missDirect.latency.p50}/${missProxied.latency.p99 - missDirect.latency.p99}`.padStart(16)}`,
);

// Memory: the first request fills the cache (parse + filter once); then many clients read the same buffer.
const rssStart = await rssOf(fwProc.pid);
const t0 = Date.now();
const first = await (await fetch(`${fwUrl}/big-pkg`)).arrayBuffer();
const fillMs = Date.now() - t0;
const rssAfterFill = await rssOf(fwProc.pid);
let rssMax = rssAfterFill;
const sampler = setInterval(async () => (rssMax = Math.max(rssMax, await rssOf(fwProc.pid))), 50);
const big = await run(`${fwUrl}/big-pkg`, { connections: 4, duration: SECONDS });
clearInterval(sampler);
const rssEnd = await rssOf(fwProc.pid);
console.log(`\n20 MB packument (${(first.byteLength / 1e6).toFixed(1)} MB after filtering, ${BIG_VERSIONS} versions): fill ${fillMs} ms; ` +
  `then ${big.requests.total} requests (${(big.throughput.total / 1e9).toFixed(1)} GB) at ${big.requests.average.toFixed(0)} req/s`);
console.log(`firewall RSS MB: before ${rssStart.toFixed(0)}, after fill ${rssAfterFill.toFixed(0)}, max while serving ${rssMax.toFixed(0)}, after ${rssEnd.toFixed(0)} ` +
  `(growth while serving: ${(rssEnd - rssAfterFill).toFixed(0)} MB)`);

// Denied tarballs at load: every single response must be a 403.
const denied = await run(`${fwUrl}/denied-pkg/-/denied-pkg-1.1.0.tgz`, { connections: CONNECTIONS * 4, duration: SECONDS });
const codes = denied.statusCodeStats ?? {};
const non403 = Object.entries(codes).filter(([c]) => c !== '403').reduce((n, [, s]) => n + s.count, 0) + denied.errors;
console.log(`\ndenied tarball at ${CONNECTIONS * 4} connections: ${denied.requests.total} requests, ${codes['403']?.count ?? 0} x 403, non-403 (or errors): ${non403}`);

// First fetch with facts from the full packument: the same cold packuments through a firewall whose policy the
// abbreviated form answers (a name rule) and one whose policy tests install scripts (the abbreviated form is
// silent on them, so the firewall fetches the full document too), next to the upstream's own two forms.
const reg = await startNpmRegistry();
const COLD = 60;
for (let i = 0; i < COLD; i++) {
  for (let j = 0; j < 20; j++) {
    await reg.publish({ name: `cold-${i}`, version: `1.${j}.0`, publishedAt: new Date(Date.now() - 400 * 864e5), manifest: { description: 'd'.repeat(1000), keywords: ['bench'] }, ...(j % 7 === 0 ? { scripts: { postinstall: 'node x' } } : {}) });
  }
}
const scriptsPolicy = join(dir, 'scripts.yml');
await writeFile(scriptsPolicy, 'version: 1\nrules:\n  - id: no-install-scripts\n    when: { install_scripts: true }\n    action: deny\n');
const nameOnly = await startFirewall('cold-name', 3600, { upstream: reg.url });
const needsFull = await startFirewall('cold-scripts', 3600, { upstream: reg.url, policy: scriptsPolicy });
children.push(nameOnly.proc, needsFull.proc);
const ABBR = { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' };
// Warm both firewalls (and the upstream) on a package that is not measured: the first request pays for JIT and sockets.
await reg.publish({ name: 'warm-up', version: '1.0.0' });
for (const base of [reg.url, nameOnly.url, needsFull.url]) for (let i = 0; i < 20; i++) await (await fetch(`${base}/warm-up`, { headers: ABBR })).arrayBuffer();
const coldSeries = async (base, headers) => {
  const ms = [];
  let bytes = 0;
  for (let i = 0; i < COLD; i++) {
    const t = performance.now();
    const res = await fetch(`${base}/cold-${i}`, { headers });
    bytes += (await res.arrayBuffer()).byteLength;
    if (res.status !== 200) throw new Error(`cold-${i}: ${res.status}`);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(COLD / 2)], p90: ms[Math.floor(COLD * 0.9)], bytes: bytes / COLD };
};
const before = reg.requests.length;
const coldRows = [
  ['upstream, abbreviated', await coldSeries(reg.url, ABBR)],
  ['upstream, full', await coldSeries(reg.url, { accept: 'application/json' })],
  ['firewall, name rule', await coldSeries(nameOnly.url, ABBR)],
];
const fullBefore = reg.requests.filter((r) => r.form === 'full').length;
coldRows.push(['firewall, scripts rule', await coldSeries(needsFull.url, ABBR)]);
const fullFetches = reg.requests.filter((r) => r.form === 'full').length - fullBefore;
const metric = /sscs_firewall_full_packument_fetches_total\{[^}]*\} (\d+)/.exec(await (await fetch(`${needsFull.url}/metrics`)).text())?.[1] ?? '0';
console.log(`\nfirst fetch of ${COLD} cold packuments (20 versions each), sequential, in front of the registry-like upstream`);
console.log('what                      p50 ms  p90 ms  bytes to client');
for (const [what, r] of coldRows) console.log(`${what.padEnd(24)} ${r.p50.toFixed(2).padStart(7)} ${r.p90.toFixed(2).padStart(7)}  ${r.bytes.toFixed(0).padStart(15)}`);
console.log(`scripts rule: ${fullFetches} full fetches upstream for ${COLD} packuments (metric says ${metric}); ` +
  `added p50 over the name rule: ${(coldRows[3][1].p50 - coldRows[2][1].p50).toFixed(2)} ms; upstream requests in this part: ${reg.requests.length - before}`);
for (const f of [nameOnly, needsFull]) {
  f.proc.kill('SIGTERM');
  await new Promise((r) => f.proc.once('exit', r));
}
await reg.close();

for (const p of [fwProc, revalProc]) {
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
}
await v.close();

await pypiRows({ run, median, seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, cli: CLI, dir, policy, children });

// Two replicas on PostgreSQL against one on SQLite (skipped without PostgreSQL 15).
await import('./firewall-replicas.mjs');
