/**
 * firewall run reads a `sh -c` string word for word (helper/src/firewall/shell-words.ts) or refuses it. Each string
 * it reads is also run by the real shells, dash (/bin/sh) and bash, with stand-in programs on PATH that record the
 * words and variables they receive: the commands we read must be the commands the shells run.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readShell } from '../../helper/src/firewall/shell-words.js';

const SHELLS = ['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s));
/** The shell's environment: what expansions read. */
const VARS = { HOME: '/home/ci user', REG: 'http://evil.invalid/', EMPTY: '', X: 'outer' };
/**
 * A stand-in program: its name, its words, and what it sees as X, NUL-separated, in a record file of its own (named by
 * its process id): both sides of a pipeline run at once, and records appended to one shared file could interleave.
 */
const STANDIN = '#!/bin/sh\nprintf \'%s\\0\' "$(basename "$0")" "$@" "X=${X-unset}" > "$RECORD/$$"\n';

const READ: string[] = [
  'npm install --omit=dev',
  'npm install "--regis"\'try\'=$REG',
  'npm ci && pip install -r req.txt; npm ci\npip download x',
  'X=1 npm ci "$HOME" "$EMPTY" "${HOME}x" $REG',
  'npm ci \\\n  --foo=bar \\\n',
  'npm c\\\ni X\\\n=1 >\\\n/dev/null',
  'npm ci # a comment $(not run)\n  # another\npip install',
  'npm ci 2>&1 >/dev/null; npm ci >/dev/null 2>/dev/null </dev/null',
  'npm "a\\"b" \'c\\d\' e\\ f "g\\h" "i\\$j" "k\\`l"',
  'npm a=b c==d -- --x=y "~" \'*\'',
  'exec npm ci --exec',
  'command pip install --command',
  'X=inner pip install; pip install',
  'npm ci\n\n\npip install\n',
  'npm ci \u00e9t\u00e9 "\u2603"',
  'npm ci | pip install',
  'npm ci &&\n  pip install # a command may follow && on the next line',
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sscs-shell-words-'));
  for (const p of ['npm', 'pip']) {
    await writeFile(join(dir, p), STANDIN);
    await chmod(join(dir, p), 0o755);
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** What the shell ran: one [program, ...words, X=...] per stand-in run. */
async function shellRuns(shell: string, script: string): Promise<string[][]> {
  const record = join(dir, 'record');
  await rm(record, { recursive: true, force: true });
  await mkdir(record);
  await execa(shell, ['-c', script], { env: { ...VARS, PATH: `${dir}:/usr/bin:/bin`, RECORD: record }, extendEnv: false, reject: false, cwd: dir });
  const runs: string[][] = [];
  for (const name of await readdir(record)) runs.push((await readFile(join(record, name), 'utf8')).split('\0').slice(0, -1));
  return runs;
}

describe('a sh -c string, read as the shells run it', () => {
  for (const shell of SHELLS) {
    it(`reads the words and variables ${shell} passes`, async () => {
      for (const script of READ) {
        const ours = readShell(script, VARS).map((c) => {
          const env: Record<string, string | undefined> = { ...VARS, ...Object.fromEntries(c.assignments) };
          const words = c.words[0] === 'exec' || c.words[0] === 'command' ? c.words.slice(1) : c.words;
          return [...words, `X=${env.X ?? 'unset'}`];
        });
        const sort = (l: string[][]) => l.map((r) => JSON.stringify(r)).sort();
        expect(sort(await shellRuns(shell, script)), `${shell} -c ${JSON.stringify(script)}`).toEqual(sort(ours));
      }
    });
  }

  it('lists each command of an || list (any of them may run)', () => {
    expect(readShell('npm ci || pip install x', {}).map((c) => c.words)).toEqual([['npm', 'ci'], ['pip', 'install', 'x']]);
  });
});

describe('a sh -c string that cannot be read exactly is refused', () => {
  const refused: [string, RegExp][] = [
    ['npm ci --registry=$(cat reg)', /a special parameter, substitution or other expansion/],
    ['npm ci --registry=`cat reg`', /command substitution/],
    ['npm ci "--registry=`cat reg`"', /command substitution/],
    ['npm ci ${REG:-x}', /parameter expansion with an operator/],
    ['npm ci "$@"', /special parameter/],
    ['npm ci $1', /special parameter/],
    ["npm ci $'--registry=x'", /special parameter/],
    ['npm ci --reg*', /the pattern character '\*'/],
    ['npm ci --registr?=x', /pattern character '\?'/],
    ['npm ci --{registry,x}=y', /brace/],
    ['npm ci ~/x', /tilde/],
    ['npm ci --prefix=~/x', /tilde/],
    ['npm ci <<EOF\nx\nEOF', /here-document/],
    ['(npm ci)', /subshell/],
    ['npm ci &', /background/],
    ['if true; then npm ci; fi', /reserved word 'if'/],
    ['REG=1', /assignment without a command/],
    ['npm ci $HOME', /unquoted \$HOME whose value the shell would split/],
    ['npm ci $EMPTY', /is empty/],
    ['npm ci "$PWD"', /\$PWD, which the shell sets itself/],
    ['npm ci "unclosed', /unclosed double quote/],
    ["npm ci 'unclosed", /unclosed single quote/],
    ['&& npm ci', /separator without a command/],
    ['npm ci &&', /'&&' without a command after it/],
    ['npm ci |\n# nothing', /'\|' without a command after it/],
    ['npm ci >&file', /not a file descriptor/],
  ];
  for (const [script, why] of refused) {
    it(JSON.stringify(script), () => {
      expect(() => readShell(script, VARS)).toThrow(why);
      try {
        readShell(script, VARS);
      } catch (e) {
        expect((e as { code?: string }).code).toBe('USAGE');
        expect((e as Error).message).toMatch(/^sscs firewall run: cannot read the shell command exactly: .* at character \d+ \(near ".*"\)/s);
      }
    });
  }
});
