import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../helper/src/errors.js';
import { readDependencyInputs, type ReadOptions } from '../../helper/src/lockfiles/index.js';
import { runCli } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sscs-pylock-errors-'));
});

/** Writes files into a fresh case folder; returns the folder. */
async function project(files: Record<string, string>): Promise<string> {
  const sub = await mkdtemp(join(dir, 'case-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(sub, name, '..'), { recursive: true });
    await writeFile(join(sub, name), text);
  }
  return sub;
}

async function failure(paths: string[], opts?: ReadOptions): Promise<InputError> {
  const e = await readDependencyInputs(paths, opts).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

describe('Python dependency inputs: bad input is exit 2 naming the file and line', () => {
  it('a malformed --hash', async () => {
    const cwd = await project({ 'requirements.txt': 'six==1.16.0 \\\n    --hash=sha256:abc\n' });
    expect(await failure(['requirements.txt'], { cwd })).toMatchObject({ code: 'SCHEMA', where: { file: 'requirements.txt', line: 1 } });
  });

  it('an unknown option', async () => {
    const cwd = await project({ 'requirements.txt': 'six==1.16.0\n--frobnicate\n' });
    expect(await failure(['requirements.txt'], { cwd })).toMatchObject({ code: 'SCHEMA', where: { line: 2 } });
  });

  it('a line that is no requirement', async () => {
    const cwd = await project({ 'requirements.txt': 'six==1.16.0\nleft pad 1.3\n' });
    expect(await failure(['requirements.txt'], { cwd })).toMatchObject({ code: 'SCHEMA', where: { line: 2 } });
  });

  it('a -r include outside the project, directly or through a symbolic link', async () => {
    const cwd = await project({ 'app/requirements.txt': '-r ../../outside.txt\n', 'app/link.txt': '' });
    expect(await failure(['app/requirements.txt'], { cwd })).toMatchObject({ code: 'FILE_NOT_FOUND' });
    await writeFile(join(dir, 'outside.txt'), 'six==1.16.0\n');
    expect(await failure(['app/requirements.txt'], { cwd })).toMatchObject({ code: 'PATH_ESCAPE', where: { file: 'app/requirements.txt', line: 1 } });
    const linked = await project({ 'requirements.txt': '-r link.txt\n' });
    await symlink(join(dir, 'outside.txt'), join(linked, 'link.txt'));
    expect(await failure(['requirements.txt'], { cwd: linked })).toMatchObject({ code: 'PATH_ESCAPE' });
  });

  it('-r over the network is not fetched', async () => {
    const cwd = await project({ 'requirements.txt': '-r https://example.com/reqs.txt\n' });
    expect(await failure(['requirements.txt'], { cwd })).toMatchObject({ code: 'INPUT', where: { line: 1 } });
  });

  it('an include cycle is read once; a deep chain stops at the bound', async () => {
    const cycle = await project({ 'requirements.txt': '-r b.txt\nsix==1.16.0\n', 'b.txt': '-r requirements.txt\nidna==3.10\n' });
    const g = await readDependencyInputs(['requirements.txt'], { cwd: cycle });
    expect(g.packages.map((p) => p.name)).toEqual(['idna', 'six']);
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`r${i}.txt`] = `-r r${i + 1}.txt\n`;
    files['r40.txt'] = 'six==1.16.0\n';
    const deep = await project(files);
    expect(await failure(['r0.txt'], { cwd: deep })).toMatchObject({ code: 'LIMIT' });
  });

  it('bad TOML names the line and column', async () => {
    const cwd = await project({ 'uv.lock': 'version = 1\n\n[[package]]\nname = "six"\nversion = \n' });
    expect(await failure(['uv.lock'], { cwd })).toMatchObject({ code: 'MALFORMED', where: { file: 'uv.lock', line: 5 } });
  });

  it('hostile TOML nesting is bounded', async () => {
    const cwd = await project({ 'poetry.lock': `x = ${'['.repeat(5000)}${']'.repeat(5000)}\n` });
    expect(await failure(['poetry.lock'], { cwd })).toMatchObject({ code: 'MALFORMED' });
  });

  it('an unknown uv.lock or pylock.toml version', async () => {
    const cwd = await project({ 'uv.lock': 'version = 9\n', 'pylock.toml': 'lock-version = "2.0"\n' });
    expect(await failure(['uv.lock'], { cwd })).toMatchObject({ code: 'UNSUPPORTED_VERSION' });
    expect(await failure(['pylock.toml'], { cwd })).toMatchObject({ code: 'UNSUPPORTED_VERSION' });
  });

  it('a uv.lock entry that names a package it does not hold, with the line of its [[package]]', async () => {
    const cwd = await project({ 'uv.lock': 'version = 1\n\n[[package]]\nname = "a"\nversion = "1.0"\nsource = { registry = "https://pypi.org/simple" }\ndependencies = [{ name = "ghost" }]\n' });
    expect(await failure(['uv.lock'], { cwd })).toMatchObject({ code: 'SCHEMA', where: { file: 'uv.lock', line: 3, field: 'package[0].dependencies[0]' } });
  });

  it('a Pipfile.lock entry that pins no version', async () => {
    const cwd = await project({ 'Pipfile.lock': JSON.stringify({ _meta: { 'pipfile-spec': 6 }, default: { six: { version: '>=1' } } }, null, 2) });
    expect(await failure(['Pipfile.lock'], { cwd })).toMatchObject({ code: 'SCHEMA', where: { field: 'default.six.version', line: 6 } });
  });

  it('more packages than the bound', async () => {
    const cwd = await project({ 'requirements.txt': Array.from({ length: 20 }, (_, i) => `pkg${i}==1.0\n`).join('') });
    expect(await failure(['requirements.txt'], { cwd, limits: { maxPackages: 10 } })).toMatchObject({ code: 'LIMIT' });
  });

  it('the CLI says what and where, without a stack trace, exit 2', async () => {
    const cwd = await project({ 'requirements.txt': 'six==1.16.0\n--hash=sha256:00\n' });
    const r = await runCli(['deps', 'requirements.txt'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('requirements.txt:2');
    expect(r.stderr).not.toContain('    at ');
  });
});
