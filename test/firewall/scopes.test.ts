import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/cli.js';
import { npmEnv, startVerdaccio, type Verdaccio } from '../support/verdaccio.js';
import { packument, startTestRegistry, type TestRegistry } from '../registry/server.js';
import { startFirewallProcess, writePolicy } from './support.js';
import { upstreamSettings } from '../../helper/src/firewall/upstreams.js';

const PNPM = fileURLToPath(new URL('../../node_modules/.bin/pnpm', import.meta.url));
const YARN = fileURLToPath(new URL('../../node_modules/@yarnpkg/cli-dist/bin/yarn.js', import.meta.url));
const ALLOW = 'version: 1\n';
const DENY_ACME = 'version: 1\nrules:\n  - id: no-acme\n    match: { scope: acme }\n    action: deny\n    reason: the acme scope is frozen\n';

/** Every byte under a folder, for checking that a secret was never written. */
async function allFiles(dir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) parts.push(await readFile(join(e.parentPath, e.name)));
  return Buffer.concat(parts);
}

describe('scoped packages from a second, token-protected upstream', () => {
  let pub: Verdaccio;
  let priv: Verdaccio;
  beforeAll(async () => {
    [pub, priv] = await Promise.all([startVerdaccio(), startVerdaccio({ access: '$authenticated' })]);
    await pub.publish({ name: 'good-b', version: '1.0.0' });
    // The private registry is all the project's .npmrc knows for @acme; the public one does not have it.
    await priv.publish({ name: '@acme/widget', version: '1.0.0', dependencies: { 'good-b': '^1.0.0' } });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([pub?.close(), priv?.close()]);
  });

  /** A project whose .npmrc sends @acme to the private registry, as a GitLab group registry would be set up. */
  async function project(extra: Record<string, string> = {}): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-scopes-'));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { '@acme/widget': '^1.0.0' } }));
    await writeFile(join(dir, '.npmrc'), `@acme:registry=${priv.url}/\n`);
    await writeFile(join(dir, 'allow.yml'), ALLOW);
    await writeFile(join(dir, 'deny-acme.yml'), DENY_ACME);
    for (const [f, text] of Object.entries(extra)) await writeFile(join(dir, f), text);
    return dir;
  }
  const run = (dir: string, policy: string, command: string[], env: Record<string, string> = {}) =>
    runCli(['firewall', 'run', '--policy', policy, '--upstream', pub.url, '--upstream', `@acme=${priv.url}/`, '--data-dir', join(dir, 'fw'), '--output', 'report.json', '--gitlab-report', 'gl.json', '--junit', 'junit.xml', '--', ...command], {
      cwd: dir,
      env: { ...npmEnv(pub.url, dir), SSCS_FIREWALL_UPSTREAM_TOKEN_ACME: priv.token, ...env },
    });

  it('npm installs the scoped dependency through the firewall, with the token only the firewall holds', async () => {
    const dir = await project();
    const r = await run(dir, 'allow.yml', ['npm', 'install', '--no-audit', '--no-fund', '--ignore-scripts']);
    expect(r.stderr).toContain(`@acme from ${priv.url}/`);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'node_modules/@acme/widget/package.json'), 'utf8'))).toMatchObject({ version: '1.0.0' });
    const lock = await readFile(join(dir, 'package-lock.json'), 'utf8');
    expect(lock).not.toContain(priv.url);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { packages: { name: string; decision: string }[] };
    expect(report.packages.map((p) => `${p.name}:${p.decision}`).sort()).toEqual(['@acme/widget:allow', 'good-b:allow']);
    // The token is in no output, report, log or database file.
    expect(r.stdout + r.stderr).not.toContain(priv.token);
    expect((await allFiles(dir)).includes(priv.token)).toBe(false);
  });

  it('a deny rule on the scope blocks it, and the job says which version and rule', async () => {
    const dir = await project();
    const r = await run(dir, 'deny-acme.yml', ['npm', 'install', '--no-audit', '--no-fund', '--ignore-scripts']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('@acme/widget@1.0.0: deny by no-acme: the acme scope is frozen');
    expect(r.stdout + r.stderr).not.toContain(priv.token);
    expect((await allFiles(dir)).includes(priv.token)).toBe(false);
  });

  it('pnpm takes the scoped registry from the environment over the project .npmrc', async () => {
    const dir = await project();
    const r = await run(dir, 'allow.yml', [PNPM, 'install', '--reporter=append-only'], { pnpm_config_minimum_release_age: '0', pnpm_config_store_dir: join(dir, '.store'), CI: 'true' });
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(await readFile(join(dir, 'pnpm-lock.yaml'), 'utf8')).not.toContain(priv.url);
    expect(r.stdout + r.stderr).not.toContain(priv.token);
  });

  it('yarn 4 reaches the scope through the firewall when .yarnrc.yml names it by SSCS_FIREWALL_REGISTRY', async () => {
    const dir = await project({ 'yarn.lock': '', '.yarnrc.yml': `npmScopes:\n  acme:\n    npmRegistryServer: "\${SSCS_FIREWALL_REGISTRY:-${priv.url}}"\n    npmMinimalAgeGate: 0\n` });
    const r = await run(dir, 'allow.yml', [process.execPath, YARN, 'install'], { YARN_ENABLE_MIRROR: 'false', YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', YARN_NPM_MINIMAL_AGE_GATE: '0', YARN_NODE_LINKER: 'node-modules', YARN_ENABLE_GLOBAL_CACHE: 'false', YARN_ENABLE_TELEMETRY: 'false' });
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'node_modules/@acme/widget/package.json'), 'utf8'))).toMatchObject({ version: '1.0.0' });
    expect(await readFile(join(dir, 'yarn.lock'), 'utf8')).not.toContain(priv.url);
  });

  it("keeps the firewall's tokens out of the install's environment, and gives it the firewall's URL", async () => {
    const dir = await project();
    await writeFile(join(dir, 'admin-token'), 'admin-secret-from-file-0123456789abcdef\n');
    const probe = "const e=process.env;const leak=Object.keys(e).filter(k=>k.startsWith('SSCS_FIREWALL_UPSTREAM_TOKEN')||k.startsWith('SSCS_FIREWALL_ADMIN_TOKEN'));if(leak.length||!e['npm_config_@acme:registry']||!e.SSCS_FIREWALL_REGISTRY)process.exit(3)";
    const r = await run(dir, 'allow.yml', [process.execPath, '-e', probe], { SSCS_FIREWALL_UPSTREAM_TOKEN: 'default-secret', SSCS_FIREWALL_ADMIN_TOKEN: 'admin-secret-from-env-0123456789abcdef', SSCS_FIREWALL_ADMIN_TOKEN_FILE: join(dir, 'admin-token') });
    expect(r.stderr).not.toContain('exited with 3');
    expect(r.exitCode).toBe(0);
  });

  it('refuses to run when the project sends a scope around the firewall', async () => {
    const npmrc = await project({ '.npmrc': `@acme:registry=${priv.url}/\n@other:registry=https://npm.other.example/\n` });
    const r1 = await run(npmrc, 'allow.yml', ['npm', 'install']);
    expect(r1.exitCode).toBe(2);
    expect(r1.stderr).toContain('sscs firewall run: .npmrc sends @other to https://npm.other.example/, but the firewall has no upstream for @other');
    expect(r1.stderr).toContain('--upstream @other=https://npm.other.example/ (its token in SSCS_FIREWALL_UPSTREAM_TOKEN_OTHER)');
    const yarnrc = await project({ '.yarnrc.yml': `npmScopes:\n  acme:\n    npmRegistryServer: "${priv.url}"\n` });
    const r2 = await run(yarnrc, 'allow.yml', [process.execPath, YARN, 'install']);
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toContain(`.yarnrc.yml sends @acme to ${priv.url}, around the firewall`);
  });
});

describe('scoped upstream routing', () => {
  let def: TestRegistry;
  let scoped: TestRegistry;
  const SCOPE_TOKEN = 'glpat-scopeSecret0123456789';
  beforeAll(async () => {
    [def, scoped] = await Promise.all([startTestRegistry(), startTestRegistry()]);
    const old = new Date(Date.now() - 30 * 86_400_000).toISOString();
    // Tarballs must sit on the upstream that serves the packument, or the firewall refuses them.
    const at = (reg: TestRegistry, doc: object) => JSON.parse(JSON.stringify(doc).replaceAll('http://example.invalid/', reg.url)) as object;
    def.packuments.set('plain', at(def, packument('plain', { '1.0.0': { published: old } })));
    scoped.packuments.set('@acme/w', at(scoped, packument('@acme/w', { '1.0.0': { published: old } })));
    scoped.requireAuth = `Bearer ${SCOPE_TOKEN}`;
  });
  afterAll(async () => {
    await Promise.all([def?.close(), scoped?.close()]);
  });

  it("sends a scope's upstream its own token, never the client's Authorization, and logs neither", async () => {
    const fw = await startFirewallProcess({ policy: await writePolicy(ALLOW), upstream: def.url, args: ['--upstream', `@acme=${scoped.url}`], env: { SSCS_FIREWALL_UPSTREAM_TOKEN_ACME: SCOPE_TOKEN } });
    try {
      const client = { authorization: 'Bearer client-credential-for-the-firewall' };
      const w = await fetch(`${fw.url}/@acme%2fw`, { headers: client });
      expect(w.status).toBe(200);
      expect(((await w.json()) as { name: string }).name).toBe('@acme/w');
      expect((await fetch(`${fw.url}/plain`, { headers: client })).status).toBe(200);
      expect(scoped.requests.map((q) => [q.url, q.authorization])).toEqual([['/@acme%2fw', `Bearer ${SCOPE_TOKEN}`]]);
      // The default upstream gets the client's own header, as before, and never the scope's token.
      expect(def.requests.map((q) => [q.url, q.authorization])).toEqual([['/plain', client.authorization]]);
      // A scope with no upstream of its own goes to the default one.
      expect((await fetch(`${fw.url}/@other%2fx`)).status).toBe(404);
      expect(def.requests.at(-1)!.url).toBe('/@other%2fx');
    } finally {
      await fw.stop();
    }
    expect(fw.logs()).not.toContain(SCOPE_TOKEN);
    expect((await allFiles(fw.dataDir)).includes(SCOPE_TOKEN)).toBe(false);
  });

  it("serves a GitLab group's packages, whose tarballs sit at the project endpoint outside the group's base path", async () => {
    // GitLab's group endpoint answers packuments whose dist.tarball is /api/v4/projects/<id>/packages/npm/... (its
    // NpmPackagePresenter#tarball_url); both need the group's token.
    const bytes = Buffer.from('a tarball from a GitLab project');
    const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
    const seen: string[] = [];
    const gitlab = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? '-'}`);
      if (req.headers.authorization !== `Bearer ${SCOPE_TOKEN}`) return void res.writeHead(401).end();
      const base = `http://127.0.0.1:${(gitlab.address() as AddressInfo).port}`;
      if (req.url === '/api/v4/groups/42/-/packages/npm/@acme%2fwidget') {
        const doc = { name: '@acme/widget', 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': { name: '@acme/widget', version: '1.0.0', dist: { integrity, tarball: `${base}/api/v4/projects/7/packages/npm/@acme/widget/-/@acme/widget-1.0.0.tgz` } } } };
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
      }
      if (req.url === '/api/v4/projects/7/packages/npm/@acme/widget/-/@acme/widget-1.0.0.tgz') return void res.writeHead(200).end(bytes);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => gitlab.listen(0, '127.0.0.1', r));
    const group = `http://127.0.0.1:${(gitlab.address() as AddressInfo).port}/api/v4/groups/42/-/packages/npm/`;
    const fw = await startFirewallProcess({ policy: await writePolicy(ALLOW), upstream: def.url, args: ['--upstream', `@acme=${group}`], env: { SSCS_FIREWALL_UPSTREAM_TOKEN_ACME: SCOPE_TOKEN } });
    try {
      const doc = (await (await fetch(`${fw.url}/@acme%2fwidget`)).json()) as { versions: Record<string, { dist: { tarball: string } }> };
      const tarball = doc.versions['1.0.0']!.dist.tarball;
      expect(tarball).toBe(`${fw.url}/@acme/widget/-/@acme/widget-1.0.0.tgz`);
      const got = await fetch(tarball);
      expect(got.status).toBe(200);
      expect(Buffer.from(await got.arrayBuffer())).toEqual(bytes);
      expect(seen).toEqual([
        `/api/v4/groups/42/-/packages/npm/@acme%2fwidget Bearer ${SCOPE_TOKEN}`,
        `/api/v4/projects/7/packages/npm/@acme/widget/-/@acme/widget-1.0.0.tgz Bearer ${SCOPE_TOKEN}`,
      ]);
      // Only project endpoints on the group's own origin: another path there is still off-upstream.
      expect((await fetch(`${fw.url}/@acme/widget/-/@acme/other-1.0.0.tgz`)).status).toBe(404);
    } finally {
      await fw.stop();
      gitlab.closeAllConnections();
      gitlab.close();
    }
  });

  it('reads routes from SSCS_FIREWALL_UPSTREAM and refuses ambiguous ones', () => {
    expect(upstreamSettings({}, { SSCS_FIREWALL_UPSTREAM: 'http://a.example/ @acme=http://b.example/npm/,@my-org=http://c.example/' })).toEqual({
      upstream: 'http://a.example/',
      scoped: [
        { scope: '@acme', url: 'http://b.example/npm/', tokenEnv: 'SSCS_FIREWALL_UPSTREAM_TOKEN_ACME' },
        { scope: '@my-org', url: 'http://c.example/', tokenEnv: 'SSCS_FIREWALL_UPSTREAM_TOKEN_MY_ORG' },
      ],
    });
    // Flags win over the environment; without a default entry, the npm registry is the default.
    expect(upstreamSettings({ upstream: ['@acme=http://b.example/'] }, { SSCS_FIREWALL_UPSTREAM: 'http://a.example/' }).upstream).toBe('https://registry.npmjs.org/');
    expect(() => upstreamSettings({ upstream: ['@acme=http://b/', '@acme=http://c/'] }, {})).toThrow('@acme is routed twice');
    expect(() => upstreamSettings({ upstream: ['@my-org=http://b/', '@my_org=http://c/'] }, {})).toThrow('would both read their token from SSCS_FIREWALL_UPSTREAM_TOKEN_MY_ORG');
    expect(() => upstreamSettings({ upstream: ['http://a/', 'http://b/'] }, {})).toThrow('two default upstreams');
    expect(() => upstreamSettings({ upstream: ['@acme=http://user:pw@b/'] }, {})).toThrow('must not carry credentials: use SSCS_FIREWALL_UPSTREAM_TOKEN_ACME');
    expect(() => upstreamSettings({ upstream: ['http://u:s3cret@ex ample/'] }, {})).toThrow('--upstream is not a URL: the value given');
  });
});
