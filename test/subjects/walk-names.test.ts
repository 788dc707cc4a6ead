import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { collectSubjects } from '../../helper/src/subjects/collect.js';
import { tempDir } from '../support/tmp.js';

const names = async (root: string, cwd: string, patterns: string[]) =>
  (await collectSubjects({ patterns, algorithms: ['sha256'], root, cwd })).map((s) => s.name);

describe('subject names from a walk', () => {
  const root = tempDir({ 'a/x.txt': 'x', 'a/b/y.txt': 'y', 'a/b/c/w.txt': 'w', 'c/z.txt': 'z' });

  it('are relative to the working folder for a folder at, below or beside it', async () => {
    expect(await names(root, join(root, 'a'), ['.'])).toEqual(['b/c/w.txt', 'b/y.txt', 'x.txt']);
    expect(await names(root, join(root, 'a'), ['b'])).toEqual(['b/c/w.txt', 'b/y.txt']);
    expect(await names(root, join(root, 'a'), ['../c'])).toEqual(['../c/z.txt']);
    expect(await names(root, join(root, 'a', 'b'), ['..'])).toEqual(['../x.txt', 'c/w.txt', 'y.txt']);
    expect(await names(root, root, ['a/b/'])).toEqual(['a/b/c/w.txt', 'a/b/y.txt']);
  });

  it('are the same through a glob', async () => {
    expect(await names(root, join(root, 'a'), ['../a/b/**'])).toEqual(['b/c/w.txt', 'b/y.txt']);
    expect(await names(root, join(root, 'a'), ['../c/*.txt'])).toEqual(['../c/z.txt']);
    expect(await names(root, root, ['a/*/y.txt', './c/*'])).toEqual(['a/b/y.txt', 'c/z.txt']);
  });
});
