// Firewall overhead, side by side in one run: the same requests straight to verdaccio and through
// `sscs firewall serve` in front of it. Cached packuments and tarballs (throughput ratio, p50/p99 latency),
// RSS of the firewall while it serves a 20 MB packument, and denied tarballs under load (non-403 must be 0).
//
//   npm run build && node --experimental-strip-types bench/firewall.mjs [--seconds 8] [--connections 16]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startVerdaccio } from '../test/support/verdaccio.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '8' }, connections: { type: 'string', default: '16' }, rounds: { type: 'string', default: '3' } } });
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
async function startFirewall(name, ttl) {
  const data = join(dir, name);
  const proc = spawn(process.execPath, [CLI, 'firewall', 'serve', '--policy', policy, '--upstream', v.url, '--listen', '127.0.0.1:0', '--data-dir', data, '--port-file', join(data, 'port.json'), '--packument-ttl', String(ttl)], { stdio: ['ignore', 'ignore', 'inherit'] });
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

for (const p of [fwProc, revalProc]) {
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
}
await v.close();
