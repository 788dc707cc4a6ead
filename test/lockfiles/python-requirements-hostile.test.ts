import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../helper/src/errors.js';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { runCli } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sscs-req-hostile-'));
});

async function project(files: Record<string, string>): Promise<string> {
  const sub = await mkdtemp(join(dir, 'case-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(sub, name, '..'), { recursive: true });
    await writeFile(join(sub, name), text);
  }
  return sub;
}

async function failure(text: string): Promise<InputError> {
  const cwd = await project({ 'requirements.txt': text });
  const e = await readDependencyInputs(['requirements.txt'], { cwd }).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

describe('requirements.txt: what pip installs from elsewhere is listed, what pip refuses is refused', () => {
  it('lists local folders, editables and file: URLs as file packages, a direct wheel URL as url', async () => {
    const cwd = await project({ 'requirements.txt': './localpkg\n-e ./editable\nfoo @ file:///etc/passwd\nbar @ https://evil.example/bar-1.0.whl\n-e .\n' });
    const graph = await readDependencyInputs(['requirements.txt'], { cwd });
    const got = graph.packages.map((p) => [p.name, p.source, p.resolved]).sort();
    expect(got).toEqual([
      ['bar', 'url', 'https://evil.example/bar-1.0.whl'],
      ['editable', 'file', './editable'],
      ['foo', 'file', 'file:///etc/passwd'],
      ['localpkg', 'file', './localpkg'],
    ]);
    expect(graph.warnings?.some((w) => w.includes('requirements.txt:5') && w.includes('project itself'))).toBe(true);
  });

  it('refuses a version that is not PEP 440, naming the file and line (exit 2)', async () => {
    expect(await failure('six==1.16.0\nweird==not-a-version\n')).toMatchObject({ code: 'SCHEMA', where: { file: 'requirements.txt', line: 2 } });
    expect(await failure('x>=1.0,<banana\n')).toMatchObject({ where: { line: 1 } });
    const cwd = await project({ 'requirements.txt': 'ok===not-a-version\nw==1.0.*\n' });
    const graph = await readDependencyInputs(['requirements.txt'], { cwd });
    expect(graph.packages.map((p) => `${p.name}@${p.version}`)).toEqual(['ok@not-a-version']);
    const cli = await runCli(['deps', 'requirements.txt'], { cwd: await project({ 'requirements.txt': 'weird==not-a-version\n' }) });
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr).toContain('requirements.txt');
  });

  it('refuses one name pinned to two versions (any spelling), naming both lines', async () => {
    const e = await failure('Foo_Bar==1.0\nsix==1.16.0\nfoo.bar==2.0\n');
    expect(e.message).toContain('requirements.txt:1');
    expect(e.message).toContain('requirements.txt:3');
    expect(await failure('Django==4.2.9\ndjango==4.2.10\n')).toMatchObject({ code: 'SCHEMA', where: { line: 2 } });
    // The same pin twice, and two pins under different markers, are what pip accepts.
    const cwd = await project({ 'requirements.txt': 'six==1.16.0\nSix==1.16.0\nnumpy==1.24.4 ; python_version < "3.9"\nnumpy==1.26.4 ; python_version >= "3.9"\n' });
    const graph = await readDependencyInputs(['requirements.txt'], { cwd });
    expect(graph.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(['numpy@1.24.4', 'numpy@1.26.4', 'six@1.16.0']);
  });
});
