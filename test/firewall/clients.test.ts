import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { startVerdaccio } from '../support/verdaccio.js';
import { UPSTREAMS, type TestUpstream } from '../support/upstreams.js';
import { npmInstall, pnpmInstall, yarnInstall } from '../support/npm-clients.js';
import { runCli } from '../support/cli.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const POLICY = `
version: 1
default_action: allow
rules:
  - id: deny-evil
    match: evil-pkg
    action: deny
    reason: known bad package
  - id: deny-waivable
    match: waivable-pkg
    action: deny
  - id: hold-fresh
    match: "pkg:npm/fresh-pkg@1.1.0"
    action: quarantine
    reason: new release under review
  # Every package: registry.npmjs.org's abbreviated form does not say, so the firewall must read the full one.
  - id: no-install-scripts
    when: { install_scripts: true }
    action: deny
`;

const installedVersion = async (dir: string, name: string): Promise<string> =>
  (JSON.parse(await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

describe.each(UPSTREAMS)('firewall with real clients in front of %s', (_, startUpstream) => {
  let v: TestUpstream;
  let fw: FirewallProcess;
  beforeAll(async () => {
    v = await startUpstream();
    await v.publish({ name: 'good-b', version: '1.0.0' });
    await v.publish({ name: 'good-a', version: '1.0.0', dependencies: { 'good-b': '^1.0.0' } });
    await v.publish({ name: '@fw/scoped', version: '1.0.0' });
    await v.publish({ name: 'evil-pkg', version: '1.0.0' });
    await v.publish({ name: 'evil-pkg', version: '1.1.0' });
    await v.publish({ name: 'waivable-pkg', version: '1.0.0' });
    await v.publish({ name: 'waivable-pkg', version: '1.1.0' });
    await v.publish({ name: 'fresh-pkg', version: '1.0.0' });
    await v.publish({ name: 'fresh-pkg', version: '1.1.0' });
    await v.publish({ name: 'tamper-pkg', version: '1.0.0' });
    await v.publish({ name: 'scripted-pkg', version: '1.0.0', scripts: { postinstall: 'node -e 0' } });
    await v.tamper('tamper-pkg', '1.0.0');
    fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: v.url, args: ['--packument-ttl', '0'] });
  });
  afterAll(async () => {
    await fw?.stop();
    await v?.close();
  });

  it('lets npm install an allowed tree, scoped packages included', async () => {
    const r = await npmInstall(fw.url, { 'good-a': '^1.0.0', '@fw/scoped': '1.0.0' });
    expect(r.exitCode).toBe(0);
    expect(await installedVersion(r.dir, 'good-b')).toBe('1.0.0');
    expect(await installedVersion(r.dir, '@fw/scoped')).toBe('1.0.0');
    const lock = await readFile(join(r.dir, 'package-lock.json'), 'utf8');
    expect(lock).toContain(`${fw.url}/good-b/-/good-b-1.0.0.tgz`);
    expect(lock).not.toContain(v.url);
  });

  it('denies a version with an install script, and only that one', async () => {
    const r = await npmInstall(fw.url, { 'scripted-pkg': '^1.0.0', 'good-a': '^1.0.0' });
    expect(r.exitCode).not.toBe(0);
    expect(r.output).toContain('scripted-pkg@1.0.0 is denied by rule no-install-scripts: has install scripts');
  });

  it('fails npm install of a denied package with the rule and the way out', async () => {
    const r = await npmInstall(fw.url, { 'evil-pkg': '^1.0.0' });
    expect(r.exitCode).not.toBe(0);
    expect(r.output).toContain('evil-pkg@1.1.0 is denied by rule deny-evil: known bad package');
    expect(r.output).toContain('sscs firewall waive evil-pkg@1.1.0');
  });

  it('lets a run-time waiver through, for that version only', async () => {
    const w = await runCli(['firewall', 'waive', 'waivable-pkg@1.0.0', '--reason', 'false positive', '--by', 'tester', '--data-dir', fw.dataDir]);
    expect(w).toMatchObject({ exitCode: 0, stdout: 'waived waivable-pkg@1.0.0 (waiver:1)\n' });
    const res = await fetch(`${fw.url}/waivable-pkg/-/waivable-pkg-1.0.0.tgz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-sscs-decision')).toBe('allow; rule=waiver:1');
    await res.arrayBuffer();
    expect((await fetch(`${fw.url}/waivable-pkg/-/waivable-pkg-1.1.0.tgz`)).status).toBe(403);
  });

  it('answers a denied tarball with 403 and the decision header', async () => {
    const res = await fetch(`${fw.url}/evil-pkg/-/evil-pkg-1.1.0.tgz`);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-sscs-decision')).toBe('deny; rule=deny-evil');
    expect(((await res.json()) as { error: string }).error).toContain('is denied by rule deny-evil');
  });

  it('makes npm resolve the previous version while the newest is quarantined, and the released one after', async () => {
    const before = await npmInstall(fw.url, { 'fresh-pkg': '^1.0.0' });
    expect(before.exitCode).toBe(0);
    expect(await installedVersion(before.dir, 'fresh-pkg')).toBe('1.0.0');

    const list = await runCli(['firewall', 'quarantine', 'list', '--data-dir', fw.dataDir, '--format', 'json']);
    expect(list.exitCode).toBe(0);
    expect((JSON.parse(list.stdout) as { quarantine: { name: string; version: string; rule: string }[] }).quarantine).toEqual([
      expect.objectContaining({ name: 'fresh-pkg', version: '1.1.0', rule: 'hold-fresh' }),
    ]);
    const rel = await runCli(['firewall', 'quarantine', 'release', 'fresh-pkg@1.1.0', '--reason', 'diff reviewed', '--by', 'tester', '--data-dir', fw.dataDir]);
    expect(rel).toMatchObject({ exitCode: 0, stdout: 'released fresh-pkg@1.1.0 (release:1)\n' });

    const after = await npmInstall(fw.url, { 'fresh-pkg': '^1.0.0' });
    expect(after.exitCode).toBe(0);
    expect(await installedVersion(after.dir, 'fresh-pkg')).toBe('1.1.0');
  });

  it('serves pnpm (abbreviated packuments) the same filtered view', async () => {
    const r = await pnpmInstall(fw.url, { 'good-a': '^1.0.0', 'evil-pkg': '^1.0.0' });
    expect(r.exitCode).not.toBe(0);
    // pnpm prints the status, not the body's error: the 403 is what it shows.
    expect(r.output).toMatch(/ERR_PNPM_FETCH_403[\s\S]*evil-pkg/);
    const ok = await pnpmInstall(fw.url, { 'good-a': '^1.0.0', '@fw/scoped': '^1.0.0' });
    expect(ok.exitCode).toBe(0);
    expect(await installedVersion(ok.dir, 'good-a')).toBe('1.0.0');
  });

  it('serves yarn 4 over plain http with the whitelist', async () => {
    const r = await yarnInstall(fw.url, { 'good-a': '^1.0.0', '@fw/scoped': '^1.0.0' });
    expect(r.exitCode).toBe(0);
    expect(await installedVersion(r.dir, 'good-b')).toBe('1.0.0');
  });

  it('refuses a tarball whose bytes do not match the packument integrity', async () => {
    const r = await npmInstall(fw.url, { 'tamper-pkg': '1.0.0' });
    expect(r.exitCode).not.toBe(0);
    // The last chunk is held back until the digest matches: the client never gets a complete response.
    const got = await fetch(`${fw.url}/tamper-pkg/-/tamper-pkg-1.0.0.tgz`).then((res) => res.arrayBuffer()).then(() => 'complete', () => 'failed');
    expect(got).toBe('failed');
    const metrics = await (await fetch(`${fw.url}/metrics`)).text();
    expect(metrics).toMatch(/^sscs_firewall_integrity_failures_total [1-9]/m);
  });

  it('fails closed when the upstream is down: unknown packages are refused, cached decisions served', async () => {
    await v.stop();
    try {
      const unknown = await fetch(`${fw.url}/never-fetched`);
      expect(unknown.status).toBe(503);
      const tarball = await fetch(`${fw.url}/good-b/-/good-b-1.0.0.tgz`);
      expect(tarball.status).toBe(200);
      expect((await tarball.arrayBuffer()).byteLength).toBeGreaterThan(0);
      const uncached = await fetch(`${fw.url}/never-fetched/-/never-fetched-1.0.0.tgz`);
      expect(uncached.status).toBe(503);
      expect(((await uncached.json()) as { error: string }).error).toContain('does not serve packages it has not checked');
    } finally {
      await v.restart();
    }
  });

  it('refuses even cached decisions with --offline-cached refuse', async () => {
    const strict = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: v.url, args: ['--offline-cached', 'refuse', '--packument-ttl', '0'] });
    try {
      const warm = await fetch(`${strict.url}/good-b/-/good-b-1.0.0.tgz`);
      expect(warm.status).toBe(200);
      await warm.arrayBuffer();
      await v.stop();
      expect((await fetch(`${strict.url}/good-b/-/good-b-1.0.0.tgz`)).status).toBe(503);
    } finally {
      await v.restart();
      await strict.stop();
    }
  });

  it('never logs the Authorization header it passes upstream', async () => {
    const secret = 'sscs-secret-token-value-1234567890';
    const res = await fetch(`${fw.url}/good-a`, { headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(200);
    expect(fw.logs()).not.toContain(secret);
    expect(fw.logs()).toMatch(/"route":"packument","name":"good-a"/);
  });
});

describe('firewall memory of what it served', () => {
  it('refuses a version whose upstream integrity changed after it was first served', async () => {
    const v = await startVerdaccio();
    const fw = await startFirewallProcess({ policy: await writePolicy('version: 1\n'), upstream: v.url, args: ['--packument-ttl', '0'] });
    try {
      await v.seedVersions('republished', ['1.0.0']);
      const first = await fetch(`${fw.url}/republished/-/republished-1.0.0.tgz`);
      expect(first.status).toBe(200);
      await first.arrayBuffer();
      // The registry now serves other bytes under the same version, with a matching new integrity.
      await v.seedVersions('republished', ['1.0.0'], { readmeBytes: 1 });
      const doc = (await (await fetch(`${v.url}/republished`)).json()) as any;
      const evil = Buffer.from('not the bytes first served');
      doc.versions['1.0.0'].dist.integrity = `sha512-${createHash('sha512').update(evil).digest('base64')}`;
      await v.seed('republished', doc, { 'republished-1.0.0.tgz': evil });
      const again = await fetch(`${fw.url}/republished/-/republished-1.0.0.tgz`);
      expect(again.status).toBe(502);
      expect(((await again.json()) as { error: string }).error).toContain('npm versions are immutable');
    } finally {
      await fw.stop();
      await v.close();
    }
  });
});
