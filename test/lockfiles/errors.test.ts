import { mkdtemp, readFile, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../helper/src/errors.js';
import { readDependencyInputs, type ReadOptions } from '../../helper/src/lockfiles/index.js';
import { fixture } from './support.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sscs-lock-errors-'));
});

async function write(name: string, text: string): Promise<string> {
  const sub = await mkdtemp(join(dir, 'case-'));
  const file = join(sub, name);
  await writeFile(file, text);
  return file;
}

async function failure(paths: string[], opts?: ReadOptions): Promise<InputError> {
  const e = await readDependencyInputs(paths, opts).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

describe('dependency input errors', () => {
  it('refuses an unknown format, naming the file', async () => {
    const file = await write('deps.txt', 'left-pad 1.3.0\n');
    expect(await failure([file])).toMatchObject({ code: 'UNKNOWN_FORMAT', where: { file: file } });
  });

  it('detects a renamed lockfile from its content', async () => {
    const file = await write('lock.json', await readFile(fixture('npm-v3', 'package-lock.json'), 'utf8'));
    const g = await readDependencyInputs([file]);
    expect(g.packages).toHaveLength(24);
  });

  it('reports a missing file', async () => {
    expect(await failure([join(dir, 'nope', 'package-lock.json')])).toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('reports malformed JSON with its line', async () => {
    const file = await write('package-lock.json', '{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {,\n  }\n}\n');
    expect(await failure([file])).toMatchObject({ code: 'MALFORMED', where: { file, line: 4 } });
  });

  it('reports a field of the wrong type with the field and line', async () => {
    const text = (await readFile(fixture('npm-v3', 'package-lock.json'), 'utf8')).replace('"version": "4.4.3"', '"version": 4');
    const file = await write('package-lock.json', text);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('"node_modules/debug": {')) + 1;
    expect(await failure([file])).toMatchObject({ code: 'SCHEMA', where: { file, field: 'packages["node_modules/debug"].version', line } });
  });

  it('refuses lockfile versions it does not know', async () => {
    const npm = await write('package-lock.json', '{\n  "lockfileVersion": 4,\n  "packages": {}\n}\n');
    expect(await failure([npm])).toMatchObject({ code: 'UNSUPPORTED_VERSION', where: { file: npm, field: 'lockfileVersion', line: 2 } });
    const pnpm = await write('pnpm-lock.yaml', "lockfileVersion: 5.4\n\nspecifiers: {}\n");
    expect(await failure([pnpm])).toMatchObject({ code: 'UNSUPPORTED_VERSION', where: { file: pnpm, line: 1 } });
  });

  it('reports malformed YAML with its line', async () => {
    const file = await write('pnpm-lock.yaml', "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies: [unclosed\n");
    const e = await failure([file]);
    expect(e.code).toBe('MALFORMED');
    expect(e.where?.line).toBeGreaterThanOrEqual(5);
  });

  it('reports a pnpm entry of the wrong shape with its line', async () => {
    const text = (await readFile(fixture('pnpm-v9', 'pnpm-lock.yaml'), 'utf8')).replace('  ansi-styles@4.3.0:\n    dependencies:\n      color-convert: 2.0.1', '  ansi-styles@4.3.0:\n    dependencies:\n      - color-convert');
    const file = await write('pnpm-lock.yaml', text);
    const line = text.split('\n').indexOf('      - color-convert') + 1;
    expect(await failure([file])).toMatchObject({ code: 'SCHEMA', where: { file, field: 'snapshots.ansi-styles@4.3.0.dependencies', line } });
  });

  it('refuses YAML that expands aliases without bound', async () => {
    const bomb = ["lockfileVersion: '9.0'", 'a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    expect(await failure([await write('pnpm-lock.yaml', `${bomb}\n`)])).toMatchObject({ code: 'MALFORMED' });
  });

  it('reports a malformed yarn.lock with its line', async () => {
    const file = await write('yarn.lock', '# yarn lockfile v1\n\n\nms@^2.1.3:\n  version "2.1.3"\n   resolved: [\n');
    const e = await failure([file]);
    expect(e).toMatchObject({ code: 'MALFORMED', where: { file } });
    expect(e.where?.line).toBeGreaterThanOrEqual(5);
  });

  it('refuses a berry workspace that points outside the project', async () => {
    const sub = await mkdtemp(join(dir, 'escape-'));
    await copyFile(fixture('yarn-berry', 'package.json'), join(sub, 'package.json'));
    const text = (await readFile(fixture('yarn-berry', 'yarn.lock'), 'utf8')).replaceAll('workspace:packages/util', 'workspace:../../etc');
    await writeFile(join(sub, 'yarn.lock'), text);
    expect(await failure([join(sub, 'yarn.lock')])).toMatchObject({ code: 'PATH_ESCAPE' });
  });

  it('bounds file size, package count and v1 nesting depth', async () => {
    const lock = fixture('npm-v3', 'package-lock.json');
    expect(await failure([lock], { limits: { maxBytes: 1000 } })).toMatchObject({ code: 'FILE_TOO_LARGE' });
    expect(await failure([lock], { limits: { maxPackages: 10 } })).toMatchObject({ code: 'LIMIT', where: { field: 'packages' } });
    for (const f of ['pnpm-v9/pnpm-lock.yaml', 'yarn-berry/yarn.lock', 'cyclonedx/npm-sbom-1.5.json', 'npm-v1/package-lock.json']) {
      expect(await failure([fixture(f)], { limits: { maxPackages: 10 } })).toMatchObject({ code: 'LIMIT' });
    }
    let deps: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) deps = { [`p${i}`]: { version: '1.0.0', dependencies: deps } };
    const deep = await write('package-lock.json', JSON.stringify({ lockfileVersion: 1, dependencies: deps }));
    expect(await failure([deep])).toMatchObject({ code: 'LIMIT', message: expect.stringContaining('deeper than 128') });
  });
});
