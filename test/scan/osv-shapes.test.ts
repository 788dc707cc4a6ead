import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadMaliciousFeed, type MaliciousFeed } from '../../helper/src/feeds/malicious.js';
import { tempDir } from './support.js';

/** Records in every shape the OSV schema (1.6) allows, each written as our own small JSON. */
const RECORDS: Record<string, unknown> = {
  // `limit` bounds a range from above: 1.x is affected, 2.0.0 and later are not.
  'MAL-2026-1001.json': { id: 'MAL-2026-1001', modified: '2026-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'limited' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { limit: '2.0.0' }] }] }] },
  'MAL-2026-1002.json': { id: 'MAL-2026-1002', modified: '2026-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'unbounded' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { limit: '*' }] }] }] },
  // No `affected` at all: valid, lists nothing.
  'MAL-2026-1003.json': { id: 'MAL-2026-1003', modified: '2026-01-01T00:00:00Z', summary: 'under investigation' },
  'MAL-2026-1004.json': { id: 'MAL-2026-1004', modified: '2026-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'upto' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { last_affected: '1.2.0' }] }] }] },
  'MAL-2026-1005.json': { id: 'MAL-2026-1005', modified: '2026-01-01T00:00:00Z', withdrawn: '2026-02-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'withdrawn-pkg' }, versions: ['1.0.0'] }] },
  // An affected entry with no package (a GIT range over a repository) sits beside one that names a package.
  'MAL-2026-1006.json': { id: 'MAL-2026-1006', modified: '2026-01-01T00:00:00Z', affected: [{ ranges: [{ type: 'GIT', repo: 'https://example.com/r.git', events: [{ introduced: '0' }, { limit: 'abc' }] }] }, { package: { ecosystem: 'npm', name: 'with-repo' }, versions: ['3.0.0'] }] },
  // Not a malicious-package record, in a shape our parser would refuse: dropped before parsing, never a failure.
  'GHSA-xxxx-yyyy-zzzz.json': { id: 'GHSA-xxxx-yyyy-zzzz', affected: 'not a list', extra: { events: [{ bogus: 1 }] } },
  'CVE-2026-0001.json': { id: 'CVE-2026-0001', affected: [{ package: { ecosystem: 'npm', name: 'limited' }, ranges: [{ type: 'SEMVER', events: [{ unknown_event: '1' }] }] }] },
};

let work: { dir: string; cleanup(): Promise<void> };
let feed: MaliciousFeed;

beforeAll(async () => {
  work = await tempDir('sscs-osv-shapes-');
  await mkdir(join(work.dir, 'osv'), { recursive: true });
  for (const [name, rec] of Object.entries(RECORDS)) await writeFile(join(work.dir, 'osv', name), JSON.stringify(rec));
  feed = await loadMaliciousFeed(join(work.dir, 'osv'));
});
afterAll(() => work.cleanup());

describe('every OSV record the schema allows loads', () => {
  it('loads the malicious records, withdrawn ones aside, and drops the others before parsing', () => {
    expect(feed.records).toBe(5);
  });

  it('limit: affected below it, not at or past it; "*" is no limit', () => {
    expect(feed.lookup('npm', 'limited', '1.5.0')).toEqual(['MAL-2026-1001']);
    expect(feed.lookup('npm', 'limited', '2.0.0')).toEqual([]);
    expect(feed.lookup('npm', 'limited', '0.9.0')).toEqual([]);
    expect(feed.lookup('npm', 'unbounded', '99.0.0')).toEqual(['MAL-2026-1002']);
  });

  it('last_affected includes its own version and nothing after', () => {
    expect(feed.lookup('npm', 'upto', '1.2.0')).toEqual(['MAL-2026-1004']);
    expect(feed.lookup('npm', 'upto', '1.2.1')).toEqual([]);
  });

  it('a withdrawn record lists nothing; an entry without a package is skipped, its neighbour kept', () => {
    expect(feed.lookup('npm', 'withdrawn-pkg', '1.0.0')).toEqual([]);
    expect(feed.lookup('npm', 'with-repo', '3.0.0')).toEqual(['MAL-2026-1006']);
  });

  it('a malformed malicious record still fails the load, naming the file', async () => {
    await writeFile(join(work.dir, 'osv', 'MAL-2026-1999.json'), JSON.stringify({ id: 'MAL-2026-1999', affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ bogus: '1' }] }] }] }));
    await expect(loadMaliciousFeed(join(work.dir, 'osv'))).rejects.toMatchObject({ code: 'SCHEMA', where: { file: 'MAL-2026-1999.json' } });
  });
});
