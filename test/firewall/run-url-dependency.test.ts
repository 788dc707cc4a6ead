import { execa } from 'execa';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { makeTarball, npmEnv } from '../support/verdaccio.js';

/**
 * A tarball-URL dependency behind `sscs firewall run`: npm asks the firewall for it too (replace-registry-host
 * =always) and gets a 404, since it is no registry package. The run used to exit 2 with "the firewall refused
 * nothing"; it now says the dependency is not from the registry and what the policy says of it, and a denied one
 * stops the run before npm starts (run-git-dependency.test.ts: the git case, where npm succeeds around the firewall).
 */
let reg: NpmRegistry;
let host: Server;
let dir: string;

beforeAll(async () => {
  reg = await startNpmRegistry();
  const tgz = await makeTarball({ 'package.json': JSON.stringify({ name: 'tarpkg', version: '1.0.0' }), 'index.js': 'module.exports = 1;\n' });
  host = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tgz));
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}/files/tarpkg-1.0.0.tgz`;
  dir = await mkdtemp(join(tmpdir(), 'sscs-fw-url-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { tarpkg: url } }));
  // The lockfile as npm writes it without the firewall.
  const i = await execa('npm', ['install', '--package-lock-only', '--ignore-scripts'], { cwd: dir, env: npmEnv(reg.url, dir), extendEnv: false, reject: false, all: true, timeout: 120_000 });
  expect(i.exitCode, String(i.all)).toBe(0);
  await writeFile(join(dir, 'registry-only.yml'), 'version: 1\nrules:\n  - id: registry-only\n    when: { source: [git, url] }\n    action: deny\n    reason: only registry packages\n');
  await writeFile(join(dir, 'anything.yml'), 'version: 1\nrules: []\n');
}, 120_000);
afterAll(async () => {
  await reg?.close();
  await new Promise((r) => host?.close(r));
});

const run = (policy: string) =>
  runCli(['firewall', 'run', '--policy', policy, '--upstream', reg.url, '--pypi-upstream', 'none', '--data-dir', join(dir, `fw-${policy}`), '--', 'npm', 'ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    env: { ...npmEnv(reg.url, dir), npm_config_cache: join(dir, `cache-${policy}`) },
    timeoutMs: 120_000,
  });

describe('firewall run: a tarball-URL dependency', () => {
  it('names the dependency and the policy rule that denies it, before the install runs (exit 1)', async () => {
    const r = await run('registry-only.yml');
    expect(r.stderr).toMatch(/tarpkg@1\.0\.0: a url dependency from http:\/\/127\.0\.0\.1:\d+\/files\/tarpkg-1\.0\.0\.tgz \(package-lock\.json\): deny by registry-only: only registry packages/);
    expect(r.stderr).toContain("was not run: the project takes tarpkg@1.0.0 (url, deny by registry-only) from outside the registry");
    // npm never started: a tarball it had cached by integrity would have been installed around the firewall.
    expect(r.stderr).not.toContain('running npm ci');
    expect(r.exitCode).toBe(1);
  }, 150_000);

  it('says why the install failed when the policy allows it, still failing (exit 2)', async () => {
    const r = await run('anything.yml');
    expect(r.stderr).toContain('the lockfile takes tarpkg@1.0.0 from outside the registry, which the firewall does not serve');
    expect(r.stderr).toContain('The firewall serves registry packages only');
    expect(r.exitCode).toBe(2);
  }, 150_000);
});
