// Two firewall replicas on PostgreSQL against one on SQLite, side by side in one run, in front of the
// registry-like upstream: cached tarballs (throughput and p99 under autocannon) and first fetches (every
// request a version never decided before: upstream fetch, integrity check, a decision committed before the
// first byte; throughput, p99 and decisions committed per second). Two replicas share the load half and half,
// as a round-robin balancer would. Needs PostgreSQL 15 (/usr/lib/postgresql/15/bin); skipped without it.
//
//   npm run build && node --experimental-strip-types bench/firewall-replicas.mjs [--seconds 8] [--connections 16]
// (run at the end of `npm run bench:firewall`)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startNpmRegistry } from '../test/support/npm-registry.ts';
import { PG_BIN, startPostgres } from '../test/support/postgres.ts';

const { values } = parseArgs({ strict: false, options: { seconds: { type: 'string', default: '8' }, connections: { type: 'string', default: '16' } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
/** Versions fetched for the first time per setup. */
const FIRST = 600;
const CLI = fileURLToPath(new URL('../helper/dist/cli.js', import.meta.url));

if (!existsSync(join(PG_BIN, 'initdb'))) {
  console.log(`\nreplicas: skipped, no PostgreSQL 15 at ${PG_BIN}`);
} else {
  await bench();
}

async function bench() {
  console.log('\nreplicas: starting PostgreSQL, the registry-like upstream and the firewalls...');
  const pg = await startPostgres();
  const reg = await startNpmRegistry();
  const children = [];
  const cleanup = () => children.forEach((c) => c.kill('SIGKILL'));
  process.on('exit', cleanup);
  try {
    await reg.publish({ name: 'hot-pkg', version: '1.0.0' });
    const cold = (setup) => `cold-${setup}`;
    for (const setup of ['sqlite', 'pg']) for (let i = 0; i < FIRST; i++) await reg.publish({ name: cold(setup), version: `1.0.${i}` });
    const dir = await mkdtemp(join(tmpdir(), 'sscs-bench-replicas-'));
    const policy = join(dir, 'policy.yml');
    await writeFile(policy, 'version: 1\ndefault_action: allow\nrules:\n  - id: no-bad\n    match: bad-pkg\n    action: deny\n');
    const start = async (name, extra = [], env = {}) => {
      const data = join(dir, name);
      const proc = spawn(process.execPath, [CLI, 'firewall', 'serve', '--policy', policy, '--upstream', reg.url, '--listen', '127.0.0.1:0', '--data-dir', data, '--port-file', join(data, 'port.json'), '--packument-ttl', '3600', ...extra], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
      children.push(proc);
      for (let i = 0; i < 300; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const url = await readFile(join(data, 'port.json'), 'utf8').then((t) => JSON.parse(t).url, () => undefined);
        if (url) return url;
      }
      throw new Error(`firewall ${name} did not start`);
    };
    const setups = [
      ['SQLite x1', 'sqlite', [await start('sqlite')]],
      ['PostgreSQL x2', 'pg', [await start('pg-1', ['--database', pg.url], { PGPASSWORD: pg.password }), await start('pg-2', ['--database', pg.url], { PGPASSWORD: pg.password })]],
    ];
    const rows = new Map();
    for (const [label, key, urls] of setups) {
      // Warm: packuments (hot and cold) in every replica, the hot tarball decided and cached.
      for (const u of urls) {
        for (const name of ['hot-pkg', cold(key)]) await (await fetch(`${u}/${name}`)).arrayBuffer();
        for (let i = 0; i < 50; i++) await (await fetch(`${u}/hot-pkg/-/hot-pkg-1.0.0.tgz`)).arrayBuffer();
      }
      // Cached tarballs: the connections split over the replicas, all at once.
      const per = Math.max(1, Math.floor(CONNECTIONS / urls.length));
      const results = await Promise.all(urls.map((u) => new Promise((resolve, reject) => autocannon({ url: `${u}/hot-pkg/-/hot-pkg-1.0.0.tgz`, connections: per, duration: SECONDS }, (e, r) => (e ? reject(e) : resolve(r))))));
      const non2xx = results.reduce((n, r) => n + r.non2xx + r.errors, 0);
      const cached = { rps: results.reduce((n, r) => n + r.requests.average, 0), p99: Math.max(...results.map((r) => r.latency.p99)), non2xx };
      // First fetches: FIRST versions never decided, CONNECTIONS at a time, alternating replicas.
      const queue = Array.from({ length: FIRST }, (_, i) => i);
      const ms = [];
      let ok = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
        while (queue.length) {
          const i = queue.shift();
          const t = performance.now();
          const res = await fetch(`${urls[i % urls.length]}/${cold(key)}/-/${cold(key)}-1.0.${i}.tgz`);
          await res.arrayBuffer();
          ms.push(performance.now() - t);
          if (res.status === 200) ok++;
        }
      }));
      const elapsed = (performance.now() - t0) / 1000;
      ms.sort((a, b) => a - b);
      rows.set(label, { cached, first: { rps: FIRST / elapsed, p99: ms[Math.floor(ms.length * 0.99)], decisions: ok / elapsed, failed: FIRST - ok } });
    }
    const labels = [...rows.keys()];
    const line = (what, f) => console.log(`${what.padEnd(34)}${labels.map((l) => f(rows.get(l)).padStart(16)).join('')}`);
    console.log(`\nreplicas: one firewall on SQLite against two on one PostgreSQL (registry-like upstream, ${CONNECTIONS} connections, ${SECONDS} s; first fetch: ${FIRST} new versions)`);
    console.log(`${''.padEnd(34)}${labels.map((l) => l.padStart(16)).join('')}`);
    line('cached tarball, req/s', (r) => r.cached.rps.toFixed(0));
    line('cached tarball, p99 ms', (r) => r.cached.p99.toFixed(1));
    line('first fetch, req/s', (r) => r.first.rps.toFixed(0));
    line('first fetch, p99 ms', (r) => r.first.p99.toFixed(1));
    line('decisions committed / s', (r) => r.first.decisions.toFixed(0));
    line('non-2xx (must be 0)', (r) => String(r.cached.non2xx + r.first.failed));
    const [a, b] = labels.map((l) => rows.get(l));
    console.log(`ratio PostgreSQL x2 / SQLite x1: cached ${(b.cached.rps / a.cached.rps).toFixed(2)}x, first fetch ${(b.first.rps / a.first.rps).toFixed(2)}x (both replicas and PostgreSQL share the same cores here)`);
  } finally {
    for (const c of children) {
      c.kill('SIGTERM');
      await new Promise((r) => (c.exitCode !== null ? r() : c.once('exit', r)));
    }
    process.off('exit', cleanup);
    await reg.close();
    await pg.close();
  }
}
