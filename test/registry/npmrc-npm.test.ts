import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseNpmrc } from '../../helper/src/registry/npmrc.js';

/**
 * .npmrc spellings read by parseNpmrc and by the real npm on PATH (`npm config get`, which prints what npm's
 * @npmcli/config made of the project file). A line our parser read differently from npm is a scope firewall run
 * neither refuses nor points at the firewall (review 5, F9: a quoted key, a lone CR).
 */
const run = promisify(execFile);
const ENV = { SCOPE: '@evil', URL: 'http://127.0.0.1:9/env/' };
const KEY = '@evil:registry';
const SPELLINGS: [string, string][] = [
  ['plain', '@evil:registry=http://127.0.0.1:9/\n'],
  ['double-quoted key and spaces around =', '"@evil:registry" = http://127.0.0.1:9/\n'],
  ['single-quoted key and value', "'@evil:registry' = 'http://127.0.0.1:9/'\n"],
  ['a lone CR as the line break', 'fund=false\r@evil:registry=http://127.0.0.1:9/\n'],
  ['CRLF', 'fund=false\r\n@evil:registry=http://127.0.0.1:9/\r\n'],
  ['a list (key[])', '@evil:registry[]=http://127.0.0.1:9/\n'],
  ['after a [section] header (not a top-level key)', '[x]\n@evil:registry=http://127.0.0.1:9/\n'],
  ['${ENV} in the key', '${SCOPE}:registry=http://127.0.0.1:9/\n'],
  ['${ENV} in the value', '@evil:registry=${URL}\n'],
  ['an escaped ${ENV}', '@evil:registry=\\${URL}\n'],
  ['${UNSET?}', '@evil:registry=http://127.0.0.1:9/${UNSET?}\n'],
  ['an inline ; comment', '@evil:registry = http://127.0.0.1:9/ ; comment\n'],
  ['an escaped ;', '@evil:registry=http://127.0.0.1:9/\\;x\n'],
  ['a commented line', '# @evil:registry=http://127.0.0.1:9/\n  ; @evil:registry=http://127.0.0.1:9/\n'],
  ['a quoted value with spaces inside', '@evil:registry="  http://127.0.0.1:9/ "\n'],
  ['an unclosed quote', '@evil:registry="http://127.0.0.1:9/\n'],
  ['the last line wins', '@evil:registry=http://127.0.0.1:8/\n@evil:registry=http://127.0.0.1:9/\n'],
  ['a line without =', 'fund\n@evil:registry=http://127.0.0.1:9/\n'],
];

async function npmReads(text: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-npmrc-npm-'));
  await writeFile(join(dir, 'package.json'), '{}');
  await writeFile(join(dir, '.npmrc'), text);
  await writeFile(join(dir, 'user'), '');
  await writeFile(join(dir, 'global'), '');
  const { stdout } = await run('npm', ['config', 'get', KEY, '--userconfig', join(dir, 'user'), '--globalconfig', join(dir, 'global')], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, npm_config_update_notifier: 'false', npm_config_cache: join(dir, 'cache'), ...ENV },
  });
  const out = stdout.trim();
  return out === 'undefined' ? undefined : out;
}

describe('.npmrc is read as npm reads it', () => {
  it.each(SPELLINGS)('%s', async (_, text) => {
    expect(parseNpmrc(text, ENV).get(KEY)).toBe(await npmReads(text));
  }, 30_000);

  it('a key without a value is true for npm and no registry URL here', () => {
    expect(parseNpmrc('@evil:registry\n', {}).has(KEY)).toBe(false);
  });
});
