/**
 * How `sscs firewall run` shows the install command in what it says: as shell words, each quoted only where a POSIX
 * shell needs it, between backquotes. It used to join the words with spaces, so `npm install "a b"` read as
 * `npm install a b`, and `sh -c 'npm install --ignore-scripts'` as `sh -c npm install --ignore-scripts`. No upstream
 * is reached: each case is refused before the install starts, or runs a command that fetches nothing.
 */
import { describe, expect, it } from 'vitest';
import { access, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { shellLine } from '../../helper/src/io/shell-quote.js';

/** Nothing listens on the discard port: a run that asked the upstream anything would fail. */
const UPSTREAM = 'http://127.0.0.1:9';
const POLICY = 'version: 1\nrules:\n  - id: registry-only\n    when: { source: [git, url, file] }\n    action: deny\n';

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-run-shown-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'shown', version: '1.0.0', private: true }));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  await writeFile(join(dir, 'requirements.txt'), 'tiny-lib==1.0.0\n');
  await mkdir(join(dir, 'bin'));
  // A poetry on PATH that leaves a mark, so a refused poetry command is seen not to run.
  await writeFile(join(dir, 'bin', 'poetry'), '#!/bin/sh\ntouch install-ran\n', { mode: 0o755 });
  return dir;
}
const exists = (path: string) => access(path).then(() => true, () => false);
const run = (dir: string, command: string[], env: Record<string, string> = {}) =>
  runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', UPSTREAM, '--pypi-upstream', 'none', '--', ...command], {
    cwd: dir,
    env: { HOME: dir, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...env },
  });

describe('firewall run: refusals show the command as shell words', () => {
  const refused: [string, string[], string][] = [
    ['a program that runs the install elsewhere (install-command.ts)', ['sudo', 'npm', 'install', 'a b'], "sscs: error: sscs firewall run: `sudo npm install 'a b'` runs sudo, which starts the command"],
    ['a leading env option it does not apply', ['env', '-S', 'x y', 'npm', 'ci'], "sscs: error: sscs firewall run: `env -S 'x y' npm ci`: env's -S splits a string into the command"],
    ['a shell string', ['sh', '-c', 'cd web; npm ci'], "sscs: error: sscs firewall run: `sh -c 'cd web; npm ci'`: cd is joined to the next command"],
    ['a quote inside a word', ['xargs', 'npm', "it's"], "sscs: error: sscs firewall run: `xargs npm 'it'\\''s'` names npm in an argument of xargs"],
    ['exec with an option', ['sh', '-c', 'exec -a x npm ci'], 'sscs: error: sscs firewall run: `sh -c \'exec -a x npm ci\'` runs `exec -a`, which firewall run does not read'],
    ['a poetry verb that fetches (poetry-verbs.ts)', ['poetry', 'add', 'a b'], "sscs: error: sscs firewall run: `poetry add 'a b'`: 'poetry add' resolves or downloads packages"],
    ['a command that may write before a Python install (install-order.ts)', ['sh', '-c', 'touch "x y" && pip install -r requirements.txt'], 'sscs: error: sscs firewall run: `sh -c \'touch "x y" && pip install -r requirements.txt\'` runs'],
    ['-C among other short options (client-folders.ts)', ['npm', '-gC', 'my dir', 'ci'], "sscs: error: sscs firewall run: `npm -gC 'my dir' ci` combines -C with other short options in `-gC`"],
    ['a git spec the policy denies (run-elsewhere.ts)', ['npm', 'install', 'git+https://example.com/a b.git'], "sscs firewall: not running `npm install 'git+https://example.com/a b.git'`: the policy does not allow"],
    ['an assignment-like first word', ['A=b', 'npm', 'ci'], "sscs: error: sscs firewall run: `'A=b' npm ci` names npm in an argument of A=b"],
  ];
  for (const [name, command, message] of refused) {
    it(`${name}: ${command.join(' ')}`, async () => {
      const dir = await project();
      const r = await run(dir, command);
      expect(r.exitCode, r.stderr).not.toBe(0);
      expect(r.stderr).toContain(message);
      expect(await exists(join(dir, 'install-ran'))).toBe(false);
    });
  }

  it('an install that fails, and the line that says what runs, show it the same way', async () => {
    const dir = await project();
    const r = await run(dir, [process.execPath, '-e', 'process.exit(3)', 'a b']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`; running ${process.execPath} -e 'process.exit(3)' 'a b'\n`);
    expect(r.stderr).toContain(`sscs: error: \`${process.execPath} -e 'process.exit(3)' 'a b'\` exited with 3 (the firewall refused nothing)`);
  });

  it("never shows a secret variable's value, even one with a quote the quoting would spell differently", async () => {
    const dir = await project();
    const secret = "it's-a-secret-value-0123";
    const r = await run(dir, ['sudo', 'npm', 'install', `--//r.example/:_authToken=${secret}`], { MY_TOKEN: secret });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("`sudo npm install '--//r.example/:_authToken=[REDACTED]'` runs sudo");
    for (const piece of ['secret-value', 's-a-secret', "it'"]) expect(r.stdout + r.stderr).not.toContain(piece);
  });

  it("nor one a leading env assigns to a secret's name, in a refusal of that env", async () => {
    const dir = await project();
    const r = await run(dir, ['env', '-C', 'web', "NPM_TOKEN=npm_it's-secret-0123", 'npm', 'ci']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("`env -C web 'NPM_TOKEN=[REDACTED]' npm ci`: env's -C runs the command in another folder");
    for (const piece of ['secret-0123', 'npm_it']) expect(r.stdout + r.stderr).not.toContain(piece);
  });
});

describe("firewall run: a leading env's secrets in the install's own output, and a secret in a command that cannot run", () => {
  // The CLI's redactor knows the job's secret variables, not those a leading env assigns: the install's output
  // printed them in clear, though the command shown hid them (review of firewall run, finding 2).
  const echoes: [string, string[]][] = [
    ['sh -c echo', ['sh', '-c', 'echo token is $NPM_TOKEN']],
    ['node, to stdout and stderr, in pieces', [process.execPath, '-e', "const v = process.env.MY_API_TOKEN; process.stdout.write('token is ' + v.slice(0, 5)); setTimeout(() => { process.stdout.write(v.slice(5) + '\\n'); console.error('again', JSON.stringify(v)); }, 50)"]],
  ];
  for (const [name, command] of echoes) {
    it(`env NAME=VALUE ${name}: the value appears nowhere in stdout or stderr`, async () => {
      const dir = await project();
      const r = await run(dir, ['env', 'NPM_TOKEN=plainSecretValue987', "MY_API_TOKEN=an'otherSecret654", ...command]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/token is \[REDACTED\]/);
      for (const piece of ['plainSecretValue987', 'otherSecret654', 'SecretValue', "an'other"]) expect(r.stdout + r.stderr).not.toContain(piece);
    });
  }

  // A quote inside a secret changed its spelling when quoted (`'./noab'\''cd...'`), past the redactor (finding 3).
  it("cannot run: a job secret in the program's name is redacted before it is quoted", async () => {
    const dir = await project();
    const secret = "ab'cdSECRETVAL123";
    const r = await run(dir, [`./no${secret}`], { MY_TOKEN: secret });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("cannot run './no[REDACTED]': not found");
    for (const piece of ['SECRETVAL123', "ab'", 'cdSECRET']) expect(r.stdout + r.stderr).not.toContain(piece);
  });

  it("cannot run: a leading env's secret in the program's name is redacted too", async () => {
    const dir = await project();
    const r = await run(dir, ['env', "X_TOKEN=qu'otedSecret321", "./no-qu'otedSecret321"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("cannot run './no-[REDACTED]': not found");
    for (const piece of ['otedSecret321', "qu'"]) expect(r.stdout + r.stderr).not.toContain(piece);
  });
});

describe('shellLine', () => {
  it('quotes only where a POSIX shell needs it', () => {
    expect(shellLine(['npm', 'install', 'a b', '', "it's", '@scope/x@^1.2.0', 'x=1', '--opt=a,b:c', '~/x', '#c', 'a*', '$HOME', '!'])).toBe(
      "npm install 'a b' '' 'it'\\''s' '@scope/x@^1.2.0' x=1 --opt=a,b:c '~/x' '#c' 'a*' '$HOME' '!'",
    );
    // First word: an assignment or a reserved word would be read as such.
    expect(shellLine(['X=1', 'npm'])).toBe("'X=1' npm");
    expect(shellLine(['if', 'x'])).toBe("'if' x");
    expect(shellLine(['npm', 'if'])).toBe('npm if');
  });

  it('redacts secrets before quoting, across words too', () => {
    expect(shellLine(['a', "x'secret'y"], ["'secret'"])).toBe("a 'x[REDACTED]y'");
    expect(shellLine(['a', 'top', 'sec!ret'], ['top sec!ret'])).toBe('a [REDACTED]');
  });
});
