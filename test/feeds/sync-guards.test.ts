import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syncFeed, stateFileOf } from '../../helper/src/feeds/sync.js';
import { loadMaliciousFeed } from '../../helper/src/feeds/malicious.js';
import { startGcsObjectServer, type GcsObjectServer } from '../support/gcs.js';
import { runCli } from '../support/cli.js';
import { makeZip, tempDir } from '../scan/support.js';
import { files, ghsa, mal } from './osv-records.js';

const many = (n: number): object[] => Array.from({ length: n }, (_, i) => mal(`MAL-2026-${1000 + i}`, `pkg-${i}`, ['1.0.0']));
const advisories = (n: number): object[] => Array.from({ length: n }, (_, i) => ghsa(`GHSA-aaaa-bbbb-${String(i).padStart(4, '0')}`, `lib-${i}`, '2.0.0'));

describe('sscs feed sync guards', () => {
  let gcs: GcsObjectServer;
  let work: { dir: string; cleanup(): Promise<void> };
  let source: string;
  let n = 0;
  const output = (): string => join(work.dir, `c${++n}`, 'osv-npm.zip');
  beforeAll(async () => {
    gcs = await startGcsObjectServer('/npm/all.zip');
    work = await tempDir('sscs-sync-guards-');
    source = `${gcs.url}/npm/all.zip`;
  });
  afterAll(async () => {
    await gcs?.close();
    await work?.cleanup();
  });

  describe('shrink check, per kind (M1)', () => {
    it('refuses a source that dropped every advisory even when MAL- records dominate the total', async () => {
      const out = output();
      gcs.put(makeZip(files([...many(10), ...advisories(4)])));
      await syncFeed({ source, output: out });
      gcs.put(makeZip(files(many(10))));
      const kept = await readFile(out);
      await expect(syncFeed({ source, output: out })).rejects.toThrow(/holds 0 vulnerability records against 4 in the local copy \(more than 50% gone\); refusing it/);
      expect(await readFile(out)).toEqual(kept);
      const cli = await runCli(['feed', 'sync', '--source', source, '--output', out]);
      expect(cli.exitCode).toBe(2);
      expect(await syncFeed({ source, output: out, maxShrink: 1 })).toMatchObject({ status: 'updated', records: 10, vulnerabilityRecords: 0 });
    });

    it('refuses a kind that shrank past the bound while the other grew', async () => {
      const out = output();
      gcs.put(makeZip(files([...many(4), ...advisories(2)])));
      await syncFeed({ source, output: out });
      gcs.put(makeZip(files([...many(1), ...advisories(12)])));
      await expect(syncFeed({ source, output: out })).rejects.toThrow(/holds 1 malicious-package records against 4/);
    });

    it('counts the copy on disk, not the state file, when the copy was replaced', async () => {
      const big = output();
      gcs.put(makeZip(files([...many(40), ...advisories(4)])));
      await syncFeed({ source, output: big });
      const out = output();
      gcs.put(makeZip(files([...many(10), ...advisories(4)])));
      await syncFeed({ source, output: out });
      // Someone puts a bigger copy in place; the state file still says 10 + 4.
      await copyFile(big, out);
      gcs.put(makeZip(files([...many(12), ...advisories(4)])));
      await expect(syncFeed({ source, output: out })).rejects.toThrow(/holds 12 malicious-package records against 40 in the local copy/);
      expect((await loadMaliciousFeed(out)).records).toBe(40);
    });

    it('does not send validators of another copy: a replaced copy is fetched again, not kept on 304', async () => {
      const other = output();
      gcs.put(makeZip(files([...many(3), ...advisories(1)])));
      await syncFeed({ source, output: other });
      const out = output();
      gcs.put(makeZip(files([...many(5), ...advisories(2)])));
      await syncFeed({ source, output: out });
      await copyFile(other, out);
      const r = await syncFeed({ source, output: out, maxShrink: 1 });
      expect(gcs.requests.at(-1)!.headers['if-none-match']).toBeUndefined();
      expect(r).toMatchObject({ status: 'updated', records: 5, vulnerabilityRecords: 2 });
    });
  });

  describe('a signed source URL (M4)', () => {
    const SIG = 'c0ffee5ecret5ignature0123456789abcdef';
    it('never prints or stores the query', async () => {
      const out = output();
      const signed = `${source}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=svc%40p.iam&X-Goog-Signature=${SIG}`;
      gcs.put(makeZip(files([...many(5), ...advisories(1)])));
      const runs = [
        await runCli(['feed', 'sync', '--source', signed, '--output', out, '--format', 'json']),
        await runCli(['feed', 'sync', '--source', signed, '--output', out]),
      ];
      expect(gcs.requests.at(-1)!.url).toContain(SIG); // the signature does reach the source
      expect(gcs.requests.at(-1)!.status).toBe(304);
      gcs.fault = 'status-503';
      gcs.put(makeZip(files(many(6))));
      runs.push(await runCli(['feed', 'sync', '--source', signed, '--output', out]));
      gcs.put(makeZip({}));
      runs.push(await runCli(['feed', 'sync', '--source', signed, '--output', out]));
      gcs.redirects['/npm/all.zip'] = `http://127.0.0.2:1/npm/all.zip?X-Goog-Signature=${SIG}`;
      runs.push(await runCli(['feed', 'sync', '--source', signed, '--output', out]));
      delete gcs.redirects['/npm/all.zip'];
      runs.push(await runCli(['feed', 'sync', '--source', `http://127.0.0.1:1/npm/all.zip?X-Goog-Signature=${SIG}`, '--output', out]));
      expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 2, 2, 2, 2]);
      expect(runs[2]!.stderr).toContain('HTTP 503');
      expect(runs[2]!.stderr).toContain(`${gcs.url}/npm/all.zip`);
      for (const r of runs) expect(r.stdout + r.stderr).not.toContain(SIG);
      expect(JSON.parse(runs[0]!.stdout).source).toBe(`${gcs.url}/npm/all.zip`);
      const state = await readFile(stateFileOf(out), 'utf8');
      expect(JSON.parse(state).source).toBe(`${gcs.url}/npm/all.zip`);
      const dir = join(out, '..');
      for (const f of await readdir(dir)) expect((await readFile(join(dir, f))).toString('latin1')).not.toContain(SIG);
      expect(state).not.toContain('X-Goog');
    });
  });

  describe('redirects (L1)', () => {
    it('follows a redirect within the same origin', async () => {
      const out = output();
      gcs.put(makeZip(files(many(3))));
      gcs.redirects['/old/all.zip'] = '/npm/all.zip';
      try {
        expect(await syncFeed({ source: `${gcs.url}/old/all.zip`, output: out })).toMatchObject({ status: 'updated', records: 3 });
      } finally {
        delete gcs.redirects['/old/all.zip'];
      }
    });

    it('refuses a redirect to another origin from an http source, naming that origin only', async () => {
      const out = output();
      const hop = http.createServer((_req, res) => res.writeHead(302, { location: `${source}?X-Goog-Signature=hidden` }).end());
      await new Promise<void>((resolve) => hop.listen(0, '127.0.0.1', () => resolve()));
      try {
        const from = `http://127.0.0.1:${(hop.address() as AddressInfo).port}/npm/all.zip`;
        const before = gcs.requests.length;
        const r = await runCli(['feed', 'sync', '--source', from, '--output', out]);
        expect(r.exitCode).toBe(2);
        expect(r.stderr).toContain(`feed source redirected to ${gcs.url}, which feed sync does not follow`);
        expect(r.stderr).not.toContain('hidden');
        expect(gcs.requests.length).toBe(before);
      } finally {
        await new Promise((resolve) => hop.close(resolve));
      }
    });

    it('names the scheme of a refused file: redirect, not null', async () => {
      const out = output();
      const hop = http.createServer((_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
      await new Promise<void>((resolve) => hop.listen(0, '127.0.0.1', () => resolve()));
      try {
        const r = await runCli(['feed', 'sync', '--source', `http://127.0.0.1:${(hop.address() as AddressInfo).port}/npm/all.zip`, '--output', out]);
        expect(r.exitCode).toBe(2);
        expect(r.stderr).toContain('feed source redirected to file://, which feed sync does not follow');
        expect(r.stderr).not.toContain('redirected to null');
      } finally {
        await new Promise((resolve) => hop.close(resolve));
      }
    });

    it('refuses an https source redirected to http', async () => {
      const { redirectAllowed } = await import('../../helper/src/feeds/sync-source.js');
      const https = new URL('https://mirror.example/osv/npm/all.zip');
      expect(redirectAllowed(https, new URL('https://cdn.example/npm/all.zip'))).toBe(true);
      expect(redirectAllowed(https, new URL('http://mirror.example/osv/npm/all.zip'))).toBe(false);
      expect(redirectAllowed(new URL('http://mirror.example/a'), new URL('https://cdn.example/a'))).toBe(false);
    });

    it('stops after a few redirects', async () => {
      gcs.redirects['/loop/all.zip'] = '/loop/all.zip';
      try {
        await expect(syncFeed({ source: `${gcs.url}/loop/all.zip`, output: output() })).rejects.toThrow(/redirected more than 5 times/);
        expect(gcs.requests.filter((r) => r.url === '/loop/all.zip').length).toBe(6);
      } finally {
        delete gcs.redirects['/loop/all.zip'];
      }
    });

    it('names the redirect target origin, without its path, when refusing it', async () => {
      gcs.redirects['/gone/all.zip'] = 'http://127.0.0.1:1/npm/all.zip';
      try {
        // Same host, another port: another origin, refused before any connection.
        await expect(syncFeed({ source: `${gcs.url}/gone/all.zip`, output: output() })).rejects.toThrow(/redirected to http:\/\/127\.0\.0\.1:1,/);
      } finally {
        delete gcs.redirects['/gone/all.zip'];
      }
    });
  });
  describe('deadline and output folder (issue 14 review, lows)', () => {
    it('cuts a download that trickles past --deadline-seconds and keeps the copy', async () => {
      const out = output();
      gcs.put(makeZip(files(many(3))));
      await syncFeed({ source, output: out });
      const kept = await readFile(out);
      // A byte every 200 ms: never idle long enough for the 60 s stall bound, never done either.
      const timers = new Set<NodeJS.Timeout>();
      const slow = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/zip' });
        const t = setInterval(() => res.write('P'), 200);
        timers.add(t);
        res.on('close', () => clearInterval(t));
      });
      await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', () => resolve()));
      try {
        const from = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/npm/all.zip`;
        const started = Date.now();
        const r = await runCli(['feed', 'sync', '--source', from, '--output', out, '--deadline-seconds', '1']);
        expect(r.exitCode).toBe(2);
        expect(r.stderr).toContain('no complete answer within 1 s');
        expect(Date.now() - started).toBeLessThan(30_000);
        expect(await readFile(out)).toEqual(kept);
      } finally {
        for (const t of timers) clearInterval(t);
        slow.closeAllConnections();
        await new Promise((resolve) => slow.close(resolve));
      }
    });

    it.each(['0', '7201', 'abc', '1.5', '-3'])('refuses --deadline-seconds %s (exit 2)', async (value) => {
      const r = await runCli(['feed', 'sync', '--source', source, '--output', output(), `--deadline-seconds=${value}`]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`--deadline-seconds must be a whole number from 1 to 7200, not '${value}'`);
    });

    it('creates a missing output folder, as every --output of sscs does, and says so', async () => {
      const out = output();
      gcs.put(makeZip(files(many(3))));
      const first = await runCli(['feed', 'sync', '--source', source, '--output', out]);
      expect(first.exitCode, first.stderr).toBe(0);
      expect(first.stdout).toBe(`${out}: updated, 3 malicious-package records, 0 vulnerability records; created the folder ${join(out, '..')}\n`);
      gcs.put(makeZip(files(many(4))));
      const next = await runCli(['feed', 'sync', '--source', source, '--output', out]);
      expect(next.stdout).toBe(`${out}: updated, 4 malicious-package records, 0 vulnerability records (was 3 in all)\n`);
    });
  });
});
