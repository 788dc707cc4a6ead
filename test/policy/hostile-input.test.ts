import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

/** Nine levels of nine aliases: a few hundred bytes that expand to 9^7 nodes. */
const ALIAS_BOMB = ['version: 1', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat(['b', 'c', 'd', 'e', 'f', 'g'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdef'[i]}`).join(',')}]`))
  .join('\n');

describe('hostile inputs are bad input (exit 2), never an internal error', () => {
  it('refuses a policy file with a YAML alias bomb, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-bomb-'));
    await writeFile(join(dir, 'policy.yml'), ALIAS_BOMB);
    const r = await runCli(['policy', 'validate', join(dir, 'policy.yml')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'policy.yml')}: policy file is not usable YAML`);
    expect(r.stderr).toContain('alias');
    expect(r.stderr).not.toContain('internal error');
  });

  it('refuses a lockfile whose package names are not valid UTF-8, naming the file and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-utf8-'));
    const lock = Buffer.concat([
      Buffer.from('{\n  "name": "x",\n  "lockfileVersion": 3,\n  "packages": {\n    "": { "name": "x" },\n    "node_modules/'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('left-pad": { "version": "1.0.0" }\n  }\n}\n'),
    ]);
    await writeFile(join(dir, 'package-lock.json'), lock);
    await writeFile(join(dir, 'policy.yml'), 'version: 1\n');
    const r = await runCli(['policy', 'check', '--policy', join(dir, 'policy.yml'), '--offline', join(dir, 'package-lock.json')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'package-lock.json')}:6: dependency input is not valid UTF-8`);
  });
});
