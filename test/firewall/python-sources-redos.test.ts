import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPythonSources } from '../../helper/src/firewall/python-sources.js';

// `firewall run`'s check of a pip command line and its requirement files, on shapes that made its expressions
// (a URL anywhere, `(^|\s)#.*$`) and its continuation joining super-linear. 1 MB each (the files' bound is 4 MB):
// minutes before, milliseconds now; the answers must be the short input's.
const MB = 1024 * 1024;
const fill = (unit: string, size = MB) => unit.repeat(Math.ceil(size / unit.length));

describe('firewall run: python sources on hostile requirement files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sscs-py-redos-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const check = async (requirements: string) => {
    await writeFile(join(dir, 'r.txt'), requirements);
    return checkPythonSources(dir, ['pip', 'install', '-r', 'r.txt']).then(() => 'ok', (e: Error) => e.message);
  };

  it('refuses a URL, not one in a comment', async () => {
    expect(await check('flask==2\npkg @ https://example.invalid/p.whl\n')).toMatch(/names a package by URL/);
    expect(await check('flask==2\n-e git+ssh://git@example.invalid/r.git#egg=r\n')).toMatch(/names a package by URL/);
    expect(await check('flask==2  # from https://example.invalid/\n# https://example.invalid/\n')).toBe('ok');
    expect(await check('flask==2#https://example.invalid/\n')).toMatch(/names a package by URL/);
  });
  it('1 MB of scheme characters with no ://, then a URL', async () => {
    expect(await check(`flask==2 ${fill('A+')}:A:/\n`)).toBe('ok');
    expect(await check(`flask==2 ${fill('A+')}\npkg @ https://example.invalid/p.whl\n`)).toMatch(/names a package by URL/);
    const args = ['pip', 'install', fill('A+')];
    await expect(checkPythonSources(dir, args)).resolves.toBeUndefined();
    await expect(checkPythonSources(dir, [...args, 'x+https://example.invalid/p.whl'])).rejects.toThrow(/names a package by URL/);
  });
  it('1 MB of ` #` is one comment; a carriage return ends it, as pip reads it (str.splitlines: the URL is a line)', async () => {
    expect(await check(`flask==2${fill(' #')}https://example.invalid/\n`)).toBe('ok');
    expect(await check(`flask==2${fill(' #')}\rhttps://example.invalid/\n`)).toMatch(/names a package by URL/);
  });
  it('1 MB of backslash-continued lines is one line, read once', async () => {
    expect(await check(`${fill('ab \\\n')}x\n`)).toBe('ok');
    expect(await check(`${fill('ab \\\n')}--index-url=https://example.invalid/\n`)).toMatch(/names a package source/);
  });
});
