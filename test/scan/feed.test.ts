import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { c as createTar } from 'tar';
import { loadMaliciousFeed, type MaliciousFeed } from '../../helper/src/feeds/malicious.js';
import { makeZip, tempDir } from './support.js';

const OSV = fileURLToPath(new URL('./fixtures/osv', import.meta.url));

let work: { dir: string; cleanup(): Promise<void> };
let archive: string;
let zip: string;

/** Every record of the fixture tree, keyed by its path as osv.dev's flat all.zip would hold it. */
async function fixtureFiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of (await readdir(OSV, { recursive: true })).filter((f) => f.endsWith('.json'))) {
    out[rel.split('/').pop()!] = await readFile(join(OSV, rel), 'utf8');
  }
  return out;
}

beforeAll(async () => {
  work = await tempDir('sscs-feed-');
  archive = join(work.dir, 'osv.tar.gz');
  await createTar({ gzip: true, cwd: join(OSV, '..'), file: archive, portable: true }, ['osv']);
  zip = join(work.dir, 'all.zip');
  // osv.dev's all.zip also holds ordinary vulnerabilities: they must not count as malicious.
  const ghsa = { id: 'GHSA-aaaa-bbbb-cccc', affected: [{ package: { ecosystem: 'npm', name: 'expres-helper' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }] };
  await writeFile(zip, makeZip({ ...(await fixtureFiles()), 'GHSA-aaaa-bbbb-cccc.json': JSON.stringify(ghsa) }));
});
afterAll(() => work.cleanup());

function semantics(load: () => Promise<MaliciousFeed>) {
  return async () => {
    const feed = await load();
    expect(feed.records).toBe(5);
    expect(feed.lookup('npm', 'expres-helper', '1.0.2')).toEqual(['MAL-2025-90001']);
    expect(feed.lookup('npm', 'expres-helper', '1.0.1')).toEqual([]);
    // introduced "0": every version.
    expect(feed.lookup('npm', 'colors-utils-pro', '0.0.1')).toEqual(['MAL-2025-90002']);
    expect(feed.lookup('npm', 'colors-utils-pro', '99.1.0-rc.1')).toEqual(['MAL-2025-90002']);
    // introduced / fixed: fixed is excluded.
    expect(['2.0.9', '2.1.0', '2.1.2', '2.1.3'].map((v) => feed.lookup('npm', '@fakescope/ledger-sdk', v).length)).toEqual([0, 1, 1, 0]);
    // introduced / last_affected: last_affected is included, prereleases ordered by semver.
    expect(['3.0.0-alpha.1', '3.0.0-beta.1', '3.0.0', '3.0.1'].map((v) => feed.lookup('npm', '@fakescope/ledger-sdk', v).length)).toEqual([0, 1, 1, 0]);
    // Two records for one version; the PyPI entry of a record stays in its ecosystem.
    expect(feed.lookup('npm', 'left-pad-ng', '0.0.1')).toEqual(['MAL-2025-90004', 'MAL-2025-90005']);
    expect(feed.lookup('npm', 'left-pad-ng', '0.0.2')).toEqual([]);
    expect(feed.lookup('PyPI', 'left-pad-ng', '0.0.1')).toEqual(['MAL-2025-90004']);
    // Withdrawn records are ignored.
    expect(feed.lookup('npm', 'reactt-dom', '1.0.0')).toEqual([]);
    expect(feed.lookup('npm', 'react', '18.0.0')).toEqual([]);
  };
}

describe('malicious feed', () => {
  it('loads a directory tree of OSV records', semantics(() => loadMaliciousFeed(OSV)));
  it('loads a .tar.gz of the same tree', semantics(() => loadMaliciousFeed(archive)));
  it('loads a .zip as osv.dev publishes, keeping only MAL- records', semantics(() => loadMaliciousFeed(zip)));

  it('loads stored zip entries and bounds inflated ones', async () => {
    const stored = join(work.dir, 'stored.zip');
    await writeFile(stored, makeZip(await fixtureFiles(), { store: true }));
    expect((await loadMaliciousFeed(stored)).lookup('npm', 'expres-helper', '1.0.3')).toEqual(['MAL-2025-90001']);
    await expect(loadMaliciousFeed(zip, { maxRecordBytes: 200 })).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
    const broken = join(work.dir, 'broken.zip');
    await writeFile(broken, Buffer.from('PK\x03\x04 not really a zip'));
    await expect(loadMaliciousFeed(broken)).rejects.toMatchObject({ code: 'MALFORMED', where: { file: broken } });
  });

  it('fails on a malformed record, naming the file', async () => {
    const dir = join(work.dir, 'bad');
    await cp(OSV, dir, { recursive: true });
    await mkdir(join(dir, 'malicious/npm/broken'), { recursive: true });
    await writeFile(join(dir, 'malicious/npm/broken/MAL-2025-1.json'), '{"id": "MAL-2025-1", "affected": [{"package": {"name": "broken"}}]}');
    await expect(loadMaliciousFeed(dir)).rejects.toMatchObject({ code: 'SCHEMA', where: { file: 'malicious/npm/broken/MAL-2025-1.json', field: 'affected[0].package' } });
    await writeFile(join(dir, 'malicious/npm/broken/MAL-2025-1.json'), '{"id": ');
    await expect(loadMaliciousFeed(dir)).rejects.toMatchObject({ code: 'MALFORMED', where: { file: 'malicious/npm/broken/MAL-2025-1.json' } });
  });

  it('bounds record size and count', async () => {
    await expect(loadMaliciousFeed(OSV, { maxRecordBytes: 200 })).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
    await expect(loadMaliciousFeed(archive, { maxRecordBytes: 200 })).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
    await expect(loadMaliciousFeed(OSV, { maxRecords: 3 })).rejects.toMatchObject({ code: 'LIMIT' });
  });

  it('rejects a missing path and an unknown format', async () => {
    await expect(loadMaliciousFeed(join(work.dir, 'nope'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    const other = join(work.dir, 'feed.json');
    await writeFile(other, '{}');
    await expect(loadMaliciousFeed(other)).rejects.toMatchObject({ code: 'INPUT' });
  });
});

describe('known-malicious feed: PyPI records', () => {
  it('finds a PyPI record by any spelling of the name, comparing versions by PEP 440', async () => {
    const dir = await tempDir('sscs-feed-pypi-');
    try {
      const rec = (id: string, affected: unknown) => JSON.stringify({ id, affected: [affected] });
      await mkdir(join(dir.dir, 'osv', 'malicious', 'pypi'), { recursive: true });
      await writeFile(join(dir.dir, 'osv/malicious/pypi/MAL-2024-0001.json'), rec('MAL-2024-0001', { package: { ecosystem: 'PyPI', name: 'Requestss_Lib' }, versions: ['1.0'] }));
      await writeFile(
        join(dir.dir, 'osv/malicious/pypi/MAL-2024-0002.json'),
        rec('MAL-2024-0002', { package: { ecosystem: 'PyPI', name: 'evil.pkg' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0rc1' }] }] }),
      );
      const feed = await loadMaliciousFeed(join(dir.dir, 'osv'));
      expect(feed.lookup('pypi', 'requestss-lib', '1.0.0')).toEqual(['MAL-2024-0001']);
      expect(feed.lookup('PyPI', 'requestss.lib', '1.0')).toEqual(['MAL-2024-0001']);
      expect(feed.lookup('pypi', 'requestss-lib', '1.0.1')).toEqual([]);
      // PEP 440 order: 2.0b1 < 2.0rc1 (inside), 2.0 > 2.0rc1 (fixed); semver could read neither.
      expect(feed.lookup('pypi', 'evil-pkg', '2.0b1')).toEqual(['MAL-2024-0002']);
      expect(feed.lookup('pypi', 'evil-pkg', '2.0')).toEqual([]);
      // The same name on npm is another package.
      expect(feed.lookup('npm', 'evil.pkg', '1.0.0')).toEqual([]);
    } finally {
      await dir.cleanup();
    }
  });
});
