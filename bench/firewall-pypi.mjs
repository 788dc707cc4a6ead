// PyPI rows of `npm run bench:firewall`: the same requests straight to the test PyPI index (index and file host,
// test/support/pypi-index.ts) and through `sscs firewall serve --pypi-upstream` in front of it, in one run.
// Cached project pages (JSON and HTML) and a cached wheel (throughput ratio, p50/p99), the first fetch of
// every wheel of a project (each streamed through the sha256 check and stored), and the first fetch of cold
// project pages (fetched, read, decided file by file, rendered).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPypiIndex } from '../test/support/pypi-index.ts';

const JSON_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';

export async function pypiRows({ run, median, seconds, rounds, connections, cli, dir, policy, children }) {
  const index = await startPypiIndex();
  const old = new Date(Date.now() - 400 * 864e5);
  // 40 releases of a wheel and an sdist each; the wheel of the newest is about 1 MB.
  for (let i = 0; i < 40; i++) index.publish({ name: 'bench-py', version: `1.${i}.0`, uploadedAt: old, files: { 'bench_py/__init__.py': `DATA = ${JSON.stringify('x'.repeat(i === 39 ? 1_000_000 : 2_000))}\n` } });
  const MISS = 600;
  for (let i = 0; i < MISS; i++) index.publish({ name: 'miss-py', version: `2.0.${i}`, kinds: ['wheel'], uploadedAt: old, files: { 'miss_py/__init__.py': `DATA = ${JSON.stringify('y'.repeat(20_000))}\n` } });
  const COLD = 60;
  for (let i = 0; i < COLD; i++) for (let j = 0; j < 20; j++) index.publish({ name: `cold-py-${i}`, version: `1.${j}.0`, uploadedAt: old });

  const data = join(dir, 'pypi');
  const proc = spawn(process.execPath, [cli, 'firewall', 'serve', '--policy', policy, '--upstream', 'http://127.0.0.1:9/', '--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, '--listen', '127.0.0.1:0', '--data-dir', data, '--port-file', join(data, 'port.json'), '--packument-ttl', '3600'], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(proc);
  let fw;
  for (let i = 0; i < 300 && !fw; i++) {
    await new Promise((r) => setTimeout(r, 100));
    fw = await readFile(join(data, 'port.json'), 'utf8').then((t) => JSON.parse(t).url, () => undefined);
  }
  if (!fw) throw new Error('firewall did not start');

  const wheel = 'bench_py-1.39.0-py3-none-any.whl';
  const page = JSON.parse(await (await fetch(`${index.simpleUrl}bench-py/`, { headers: { accept: JSON_ACCEPT } })).text());
  const directWheel = page.files.find((f) => f.filename === wheel).url;
  const kinds = {
    'page JSON (cached)': [`${index.simpleUrl}bench-py/`, `${fw}/simple/bench-py/`, { accept: JSON_ACCEPT }],
    'page HTML (cached)': [`${index.simpleUrl}bench-py/`, `${fw}/simple/bench-py/`, {}],
    'wheel 1 MB (cached)': [directWheel, `${fw}/files/bench-py/${wheel}`, {}],
  };
  for (const [d, p, headers] of Object.values(kinds)) for (const u of [d, p]) await (await fetch(u, { headers })).arrayBuffer();
  const results = Object.fromEntries(Object.keys(kinds).map((k) => [k, { direct: [], proxied: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const [kind, [d, p, headers]] of Object.entries(kinds)) {
      for (const [side, url] of [['direct', d], ['proxied', p]]) {
        const r = await run(url, { headers });
        if (r.non2xx || r.errors) throw new Error(`${side} ${kind}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        results[kind][side].push({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 });
      }
    }
  }
  console.log(`\nPyPI: the test index (index + file host) direct and through the firewall, ${seconds}s x ${rounds} rounds, ${connections} connections, medians over rounds`);
  console.log('what                 direct req/s  proxied req/s  ratio   direct p50/p99 ms  proxied p50/p99 ms  added p50/p99 ms');
  const m = (xs, k) => median(xs.map((x) => x[k]));
  const row = (what, dr, pr, d50, d99, p50, p99) =>
    console.log(`${what.padEnd(20)} ${dr.toFixed(0).padStart(12)}  ${pr.toFixed(0).padStart(13)}  ${(pr / dr).toFixed(2).padStart(5)}   ${`${d50}/${d99}`.padStart(17)}  ${`${p50}/${p99}`.padStart(18)}  ${`${p50 - d50}/${p99 - d99}`.padStart(16)}`);
  for (const kind of Object.keys(kinds)) {
    const { direct: d, proxied: p } = results[kind];
    row(kind, m(d, 'rps'), m(p, 'rps'), m(d, 'p50'), m(d, 'p99'), m(p, 'p50'), m(p, 'p99'));
  }

  // First fetch: every wheel of miss-py once, direct from the file host and through the firewall (fetch, verify, store).
  const missPage = JSON.parse(await (await fetch(`${index.simpleUrl}miss-py/`, { headers: { accept: JSON_ACCEPT } })).text());
  await (await fetch(`${fw}/simple/miss-py/`)).arrayBuffer();
  const direct = missPage.files.map((f) => new URL(f.url).pathname);
  const proxied = missPage.files.map((f) => `/files/miss-py/${f.filename}`);
  const missRun = async (base, paths) => {
    let i = 0;
    const t = performance.now();
    const r = await run(base, { amount: paths.length, requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }] });
    if (r.non2xx || r.errors) throw new Error(`first fetch: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return { ...r, rps: r.requests.total / ((performance.now() - t) / 1000) };
  };
  const md = await missRun(index.filesUrl, direct);
  const mp = await missRun(fw, proxied);
  row('wheel (first fetch)', md.rps, mp.rps, md.latency.p50, md.latency.p99, mp.latency.p50, mp.latency.p99);

  // Cold project pages, sequential: the firewall's first-fetch overhead on a page (fetch, read, decide, render).
  const cold = async (base) => {
    const ms = [];
    for (let i = 0; i < COLD; i++) {
      const t = performance.now();
      const res = await fetch(`${base}cold-py-${i}/`, { headers: { accept: JSON_ACCEPT } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`cold-py-${i}: ${res.status}`);
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    return { p50: ms[Math.floor(COLD / 2)], p90: ms[Math.floor(COLD * 0.9)] };
  };
  for (let i = 0; i < 20; i++) await (await fetch(`${fw}/simple/bench-py/`)).arrayBuffer();
  const cd = await cold(index.simpleUrl);
  const cp = await cold(`${fw}/simple/`);
  console.log(`first fetch of ${COLD} cold project pages (20 releases, 40 files each), sequential: direct p50/p90 ${cd.p50.toFixed(2)}/${cd.p90.toFixed(2)} ms, ` +
    `through the firewall ${cp.p50.toFixed(2)}/${cp.p90.toFixed(2)} ms (added p50 ${(cp.p50 - cd.p50).toFixed(2)} ms)`);

  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  await index.close();
}
