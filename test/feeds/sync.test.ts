import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syncFeed, stateFileOf } from '../../helper/src/feeds/sync.js';
import { loadMaliciousFeed } from '../../helper/src/feeds/malicious.js';
import { startGcsObjectServer, type GcsObjectServer } from '../support/gcs.js';
import { runCli } from '../support/cli.js';
import { makeZip, tempDir } from '../scan/support.js';
import { files, ghsa, mal } from './osv-records.js';

const many = (n: number, prefix = 'pkg'): object[] => Array.from({ length: n }, (_, i) => mal(`MAL-2026-${1000 + i}`, `${prefix}-${i}`, ['1.0.0']));

describe('sscs feed sync', () => {
  let gcs: GcsObjectServer;
  let work: { dir: string; cleanup(): Promise<void> };
  let out: string;
  let source: string;
  beforeAll(async () => {
    gcs = await startGcsObjectServer('/npm/all.zip');
    work = await tempDir('sscs-sync-');
    out = join(work.dir, 'feeds', 'osv-npm.zip');
    source = `${gcs.url}/npm/all.zip`;
  });
  afterAll(async () => {
    await gcs?.close();
    await work?.cleanup();
  });

  it('downloads the archive, keeps its validators and counts both kinds of record', async () => {
    gcs.put(makeZip(files([...many(10), ghsa('GHSA-aaaa-bbbb-0001', 'lodash', '4.17.12', { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H' })])));
    const r = await syncFeed({ source, output: out });
    expect(r).toMatchObject({ status: 'updated', records: 10, vulnerabilityRecords: 1 });
    const state = JSON.parse(await readFile(stateFileOf(out), 'utf8'));
    expect(state.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(state.lastModified).toMatch(/GMT$/);
    expect((await loadMaliciousFeed(out)).vulnerabilities('npm', 'lodash', '4.17.11')).toEqual([{ id: 'GHSA-aaaa-bbbb-0001', severity: 'critical', severitySource: 'CVSS_V3 9.1' }]);
  });

  it('asks conditionally and leaves an unchanged copy alone on 304', async () => {
    const before = await stat(out);
    const r = await syncFeed({ source, output: out });
    expect(r.status).toBe('unchanged');
    const last = gcs.requests.at(-1)!;
    expect(last.status).toBe(304);
    expect(last.headers['if-none-match']).toMatch(/^"[0-9a-f]{32}"$/);
    expect(last.headers['if-modified-since']).toMatch(/GMT$/);
    expect((await stat(out)).mtimeMs).toBe(before.mtimeMs);
  });

  it('replaces the copy when the object changes', async () => {
    gcs.put(makeZip(files([...many(12), ghsa('GHSA-aaaa-bbbb-0001', 'lodash', '4.17.13')])));
    expect(await syncFeed({ source, output: out })).toMatchObject({ status: 'updated', records: 12, vulnerabilityRecords: 1, previousRecords: 11 });
    expect((await loadMaliciousFeed(out)).lookup('npm', 'pkg-11', '1.0.0')).toEqual(['MAL-2026-1011']);
  });

  const refused = async (why: RegExp): Promise<void> => {
    const kept = await readFile(out);
    await expect(syncFeed({ source, output: out })).rejects.toThrow(why);
    expect(await readFile(out)).toEqual(kept);
    expect((await loadMaliciousFeed(out)).records).toBe(12);
  };

  it('refuses an empty archive and keeps the old copy', async () => {
    gcs.put(makeZip({}));
    await refused(/holds no OSV records; refusing it, the local copy is unchanged/);
  });

  it('refuses a copy that lost most of its records, unless told the source really shrank', async () => {
    gcs.put(makeZip(files(many(3))));
    await refused(/holds 3 malicious-package records against 12 in the local copy \(more than 50% gone\)/);
    expect(await syncFeed({ source, output: out, maxShrink: 1 })).toMatchObject({ status: 'updated', records: 3 });
    gcs.put(makeZip(files(many(12))));
    await syncFeed({ source, output: out });
  });

  it('refuses a download that does not match its x-goog-hash, a cut one, a 503 and one that does not load', async () => {
    gcs.put(makeZip(files(many(13))));
    gcs.fault = 'wrong-hash';
    await refused(/feed download is corrupt: md5 .* but x-goog-hash says/);
    gcs.fault = 'cut';
    await refused(/feed download cut|feed source unreachable/);
    gcs.fault = 'status-503';
    await refused(/feed source answered HTTP 503; the local copy is unchanged/);
    gcs.put(makeZip({ 'MAL-2026-1.json': '{"id": "MAL-2026-1", "affected": [{"package": {"name": "x"}}]}', ...files(many(12)) }));
    await refused(/the downloaded feed does not load .*affected\[0\]\.package/);
  });

  it('leaves no temporary file behind', async () => {
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(join(work.dir, 'feeds'))).sort()).toEqual(['osv-npm.zip', 'osv-npm.zip.sync.json']);
  });

  it('is a command: exit 0 with counts, exit 2 with the reason', async () => {
    gcs.put(makeZip(files(many(14))));
    const ok = await runCli(['feed', 'sync', '--source', source, '--output', out]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/osv-npm\.zip: updated, 14 malicious-package records, 0 vulnerability records \(was 12 in all\)/);
    const same = await runCli(['feed', 'sync', '--source', source, '--output', out, '--format', 'json']);
    expect(JSON.parse(same.stdout)).toMatchObject({ status: 'unchanged', records: 14 });
    gcs.put(makeZip({}));
    const bad = await runCli(['feed', 'sync', '--source', source, '--output', out]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('holds no OSV records');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const usage = await runCli(['feed', 'sync', '--source', source, '--output', join(work.dir, 'feed.json')]);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('--output must end in .zip');
    await writeFile(join(work.dir, 'unused'), '');
  });
});
