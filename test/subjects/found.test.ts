import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectSubjects } from '../../helper/src/subjects/collect.js';
import { digestFiles, digestPaths } from '../../helper/src/subjects/digest.js';
import { FoundFiles } from '../../helper/src/subjects/found.js';
import { tempDir } from '../support/tmp.js';

describe('FoundFiles', () => {
  it('keeps the first place of a name found again, with the later file, as a Map does', () => {
    const found = new FoundFiles();
    found.add('a', '/p/a', undefined);
    found.add('c', '/p/c', undefined);
    found.allowRepeats();
    found.add('a', '/q/a', { path: '/q/a', realPath: '/r/a', kind: 'file' });
    found.add('b', '/q/b', undefined);
    expect(found.names).toEqual(['a', 'c', 'b']);
    expect(found.contents).toEqual(['/r/a', '/p/c', '/q/b']);
    expect([...found.others.keys()]).toEqual([0]);
    found.add('a', '/s/a', undefined);
    expect(found.contents[0]).toBe('/s/a');
    expect(found.others.size).toBe(0);
  });

  it('says whether the names came in byte order', () => {
    const found = new FoundFiles();
    for (const n of ['a', 'a-b', 'a/x', 'b']) found.add(n, `/p/${n}`, undefined);
    expect(found.ordered).toBe(true);
    found.add('a0', '/p/a0', undefined);
    expect(found.ordered).toBe(false);
  });
});

describe('subjects from several patterns', () => {
  const root = tempDir({ 'd/a.txt': 'a', 'd/b-c.txt': 'bc', 'd/b/x.txt': 'x', 'e/z.txt': 'z' });
  symlinkSync(join(root, 'd', 'a.txt'), join(root, 'e', 'link.txt'));
  const collect = (patterns: string[]) => collectSubjects({ patterns, algorithms: ['sha256'], root, cwd: root });

  it('are merged by name and sorted in byte order, whatever order the walk found them in', async () => {
    // The walk visits d/b (a folder) before d/b-c.txt; byte order puts '-' before '/'.
    expect((await collect(['d'])).map((s) => s.name)).toEqual(['d/a.txt', 'd/b-c.txt', 'd/b/x.txt']);
    const both = await collect(['e', 'd', 'e/z.txt', 'd/*.txt']);
    expect(both.map((s) => s.name)).toEqual(['d/a.txt', 'd/b-c.txt', 'd/b/x.txt', 'e/link.txt', 'e/z.txt']);
    // A symlink's subject is its target's content.
    expect(both[3]?.digest).toEqual(both[0]?.digest);
  });

  it('refuses a pattern that matches nothing, even after others matched', async () => {
    await expect(collect(['d', 'nothing/*'])).rejects.toMatchObject({ code: 'NO_SUBJECTS' });
    // A pattern whose files were all found before still matched.
    expect((await collect(['d', 'd/a.txt'])).length).toBe(3);
  });
});

describe('digestPaths', () => {
  it('gives what digestFiles gives, and the same errors', async () => {
    const dir = tempDir(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, 'x'.repeat(i * 997)])));
    const paths = Array.from({ length: 40 }, (_, i) => join(dir, `f${i}`));
    const ref = await digestFiles(paths.map((path) => ({ path })), ['sha256', 'sha512'], { workers: 1 });
    expect(await digestPaths(paths, ['sha256', 'sha512'], { workers: 1 })).toEqual(ref);
    expect(await digestPaths(paths, ['sha256', 'sha512'])).toEqual(ref);
    await expect(digestPaths([join(dir, 'gone')], ['sha256'])).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
