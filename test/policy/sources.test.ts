import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { packument, startTestRegistry, type TestRegistry } from '../registry/server.js';
import { fixture } from '../lockfiles/support.js';

const OLD = new Date(Date.now() - 400 * 86_400_000).toISOString();
let reg: TestRegistry;
let dir: string;

interface Report {
  packages: { name: string; purl: string; source: string; resolved?: string; decision: string; rule: string; reason: string }[];
}

beforeAll(async () => {
  reg = await startTestRegistry();
  // The registry's is-number@7.0.0 and left-pad@1.3.0 have no install scripts; the lockfile's git and tarball copies are other code.
  reg.packuments.set('is-number', packument('is-number', { '7.0.0': { published: OLD, license: 'MIT' } }));
  reg.packuments.set('left-pad', packument('left-pad', { '1.3.0': { published: OLD, license: 'WTFPL' } }));
  reg.packuments.set('ms', packument('ms', { '2.1.3': { published: OLD, license: 'MIT' } }));
  dir = mkdtempSync(join(tmpdir(), 'sscs-sources-'));
  for (const f of ['npm-v3-github', 'pnpm-v9']) cpSync(fixture('sources', f), join(dir, f), { recursive: true });
  mkdirSync(join(dir, 'feed', 'npm'), { recursive: true });
  writeFileSync(join(dir, 'feed', 'npm', 'MAL-2026-7.json'), JSON.stringify({ id: 'MAL-2026-7', modified: '2026-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'is-number' }, versions: ['7.0.0'] }, { package: { ecosystem: 'npm', name: 'tarpkg' }, versions: ['1.0.0'] }, { package: { ecosystem: 'npm', name: 'ms' }, versions: ['2.1.3'] }] }));
  writeFileSync(join(dir, 'scripts.yml'), 'version: 1\nrules:\n  - id: no-install-scripts\n    when: { install_scripts: true }\n    action: deny\n');
  writeFileSync(join(dir, 'no-git.yml'), 'version: 1\nrules:\n  - id: registry-only\n    when: { source: [git, url] }\n    action: deny\n    reason: only registry packages are allowed\n');
});
afterAll(() => reg.close());

const check = async (lockfile: string, args: string[]) => {
  const r = await runCli(['policy', 'check', lockfile, '--registry', reg.url, '--format', 'json', ...args], { cwd: dir, env: { HOME: dir, XDG_CACHE_HOME: join(dir, `cache-${Math.random()}`) } });
  expect(r.stderr).not.toContain('internal error');
  return { exitCode: r.exitCode, report: JSON.parse(r.stdout) as Report };
};
const of = (r: Report, name: string) => r.packages.find((p) => p.name === name)!;

describe('policy check on git, tarball and folder dependencies', () => {
  it('a git dependency does not inherit the registry package\'s facts: an install-scripts deny rule is not bypassed', async () => {
    const { exitCode, report } = await check('npm-v3-github/package-lock.json', ['--policy', 'scripts.yml']);
    expect(exitCode).toBe(1);
    expect(of(report, 'is-number')).toMatchObject({ source: 'git', decision: 'deny', rule: 'no-install-scripts' });
    expect(of(report, 'is-number').reason).toContain('a git dependency: no registry metadata');
    expect(of(report, 'is-number').purl).toContain('?vcs_url=');
    expect(of(report, 'ms')).toMatchObject({ source: 'registry', decision: 'allow' });
    // Only the registry package was looked up in the registry.
    expect(reg.requests.map((q) => q.url).filter((u) => !u.includes('/-/'))).not.toContain('/is-number');
  });

  it('never matches a git or tarball dependency against the registry\'s malicious feed', async () => {
    const { report } = await check('pnpm-v9/pnpm-lock.yaml', ['--policy', 'scripts.yml', '--malicious-feed', 'feed']);
    expect(of(report, 'is-number').rule).not.toBe('malicious-feed');
    expect(of(report, 'tarpkg').rule).not.toBe('malicious-feed');
    // The same feed record does deny the registry package it lists.
    expect(of(report, 'ms')).toMatchObject({ decision: 'deny', rule: 'malicious-feed' });
  });

  it('sends no local folder (file:, pnpm directory resolution with a peer suffix) to the registry', async () => {
    reg.requests.length = 0;
    const { report } = await check('pnpm-v9/pnpm-lock.yaml', ['--policy', 'no-git.yml']);
    expect(report.packages.map((p) => p.name).sort()).toEqual(['is-number', 'ms', 'tarpkg', 'vendored']);
    expect(reg.requests.map((q) => q.url)).toEqual(['/ms']);
  });

  it('source: [git, url] denies git and tarball URL dependencies and nothing else', async () => {
    const { exitCode, report } = await check('npm-v3-github/package-lock.json', ['--policy', 'no-git.yml']);
    expect(exitCode).toBe(1);
    expect(report.packages.map((p) => [p.name, p.source, p.decision])).toEqual([
      ['is-number', 'git', 'deny'],
      ['left-pad', 'url', 'deny'],
      ['ms', 'registry', 'allow'],
    ]);
    expect(of(report, 'left-pad')).toMatchObject({ rule: 'registry-only', reason: 'only registry packages are allowed: comes from a tarball URL', resolved: 'https://example.com/tarballs/left-pad-1.3.0.tgz' });
  });

  it("a registry-shaped tarball URL on another host is that host's tarball, not the registry package", async () => {
    const lock = JSON.parse(readFileSync(join(dir, 'npm-v3-github/package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    lock.packages['node_modules/ms']!.resolved = 'https://user:s3cretpw@mirror.evil.example/ms/-/ms-2.1.3.tgz';
    mkdirSync(join(dir, 'foreign'), { recursive: true });
    writeFileSync(join(dir, 'foreign', 'package-lock.json'), JSON.stringify(lock));
    const { report } = await check('foreign/package-lock.json', ['--policy', 'no-git.yml']);
    expect(of(report, 'ms')).toMatchObject({ source: 'url', decision: 'deny', resolved: 'https://mirror.evil.example/ms/-/ms-2.1.3.tgz' });
    expect(JSON.stringify(report)).not.toContain('s3cretpw');
  });

  it('policy validate refuses an unknown source', async () => {
    writeFileSync(join(dir, 'bad.yml'), 'version: 1\nrules:\n  - when: { source: [svn] }\n    action: deny\n');
    const r = await runCli(['policy', 'validate', 'bad.yml'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('source');
  });
});
