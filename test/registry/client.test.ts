import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../helper/src/registry/client.js';
import { loadRegistryConfig, registryFor } from '../../helper/src/registry/npmrc.js';
import { registryFacts } from '../../helper/src/registry/metadata.js';
import { ServiceError } from '../../helper/src/errors.js';
import { packument, startTestRegistry, type TestRegistry } from './server.js';

const TOKEN = 'npm_secretTokenValue123456';
let reg: TestRegistry;

beforeAll(async () => {
  reg = await startTestRegistry();
  reg.packuments.set('left-pad', packument('left-pad', { '1.3.0': { published: '2018-04-09T00:00:00.000Z', license: 'WTFPL', deprecated: 'use String.prototype.padStart()' } }));
  reg.packuments.set('@corp/native', packument('@corp/native', { '2.0.0': { published: '2026-01-01T00:00:00.000Z', scripts: { install: 'node-gyp rebuild' }, license: 'MIT', attestations: true } }));
});
afterAll(() => reg.close());
beforeEach(() => {
  reg.requests.length = 0;
  reg.delayMs = 0;
  delete reg.requireAuth;
});

const tmp = () => mkdtempSync(join(tmpdir(), 'sscs-registry-'));

describe('registry configuration', () => {
  it('reads the registry, scoped registries and tokens from .npmrc, expanding ${ENV}', async () => {
    const project = tmp();
    const home = tmp();
    writeFileSync(join(home, '.npmrc'), `registry=https://user.example/\n//reg.example/npm/:_authToken=\${MY_TOKEN}\n`);
    writeFileSync(join(project, '.npmrc'), `registry=https://reg.example/npm/\n@corp:registry=https://corp.example/\n; comment\n`);
    const config = await loadRegistryConfig({ cwd: project, home, env: { MY_TOKEN: TOKEN } });
    expect(registryFor(config, 'left-pad')).toEqual({ url: 'https://reg.example/npm/', authorization: `Bearer ${TOKEN}` });
    expect(registryFor(config, '@corp/x')).toEqual({ url: 'https://corp.example/' });
  });

  it('npm_config_registry overrides the files, and --registry overrides both', async () => {
    const project = tmp();
    writeFileSync(join(project, '.npmrc'), 'registry=https://file.example/\n');
    expect((await loadRegistryConfig({ cwd: project, home: tmp(), env: { npm_config_registry: 'https://env.example' } })).registry).toBe('https://env.example/');
    expect((await loadRegistryConfig({ cwd: project, home: tmp(), env: { npm_config_registry: 'https://env.example' }, registry: 'https://flag.example/' })).registry).toBe('https://flag.example/');
  });

  it('rejects a registry URL that is not http(s)', async () => {
    await expect(loadRegistryConfig({ cwd: tmp(), home: tmp(), env: {}, registry: 'file:///etc' })).rejects.toMatchObject({ code: 'INPUT' });
  });
});

describe('registry client', () => {
  async function client(cacheDir = tmp(), extra: object = {}) {
    const home = tmp();
    const host = new URL(reg.url).host;
    writeFileSync(join(home, '.npmrc'), `//${host}/:_authToken=${TOKEN}\n`);
    const config = await loadRegistryConfig({ cwd: tmp(), home, env: {}, registry: reg.url });
    return new RegistryClient({ config, cacheDir, ...extra });
  }

  it('reads publish time, install scripts, deprecation, license and attestations', async () => {
    const c = await client();
    const { facts } = await registryFacts(
      [
        { ecosystem: 'npm', name: 'left-pad', version: '1.3.0' },
        { ecosystem: 'npm', name: '@corp/native', version: '2.0.0' },
      ],
      { kind: 'registry', client: c },
    );
    expect(facts.get('left-pad@1.3.0')).toEqual({
      metadataAvailable: true,
      publishedAt: new Date('2018-04-09T00:00:00.000Z'),
      hasInstallScripts: false,
      deprecated: 'use String.prototype.padStart()',
      license: 'WTFPL',
      // Its only version: nothing earlier to compare with (registry/history.ts).
      history: { earlier: 0 },
    });
    expect(facts.get('@corp/native@2.0.0')).toMatchObject({ hasInstallScripts: true, hasProvenance: true, deprecated: false });
    expect(reg.requests.map((r) => r.url).sort()).toEqual(['/@corp%2Fnative', '/left-pad']);
  });

  it('sends the configured token to its registry', async () => {
    reg.requireAuth = `Bearer ${TOKEN}`;
    const c = await client();
    expect(await c.packument('left-pad')).not.toBeNull();
    expect(reg.requests[0]?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('follows a redirect to another origin without the token', async () => {
    const other = await startTestRegistry();
    try {
      other.packuments.set('moved', reg.packuments.get('left-pad')!);
      reg.redirects.set('/moved', `${other.url}moved`);
      const c = await client();
      expect(await c.packument('moved')).not.toBeNull();
      expect(reg.requests.find((r) => r.url === '/moved')?.authorization).toBe(`Bearer ${TOKEN}`);
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]?.authorization).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('revalidates an old cache entry with If-None-Match and counts the 304 on the server', async () => {
    const cacheDir = tmp();
    let t = 1_000_000;
    const first = await client(cacheDir, { now: () => t });
    await first.packument('left-pad');
    expect(reg.requests.map((r) => r.status)).toEqual([200]);
    // Within the max age: served from the cache, no request.
    t += 1000;
    const warm = await client(cacheDir, { now: () => t });
    await warm.packument('left-pad');
    expect(reg.requests).toHaveLength(1);
    expect(warm.stats.cacheHits).toBe(1);
    // Past the max age: a conditional request, answered 304.
    t += 3_600_000;
    const stale = await client(cacheDir, { now: () => t });
    expect((await stale.packument('left-pad'))?.versions['1.3.0']?.deprecated).toBe('use String.prototype.padStart()');
    expect(reg.requests.map((r) => r.status)).toEqual([200, 304]);
    expect(reg.requests[1]?.ifNoneMatch).toMatch(/^"[0-9a-f]{16}"$/);
    expect(stale.stats.notModified).toBe(1);
  });

  it('keeps using a cached packument that lists the versions asked for, for up to a day', async () => {
    const cacheDir = tmp();
    let t = 5_000_000;
    await (await client(cacheDir, { now: () => t })).packument('left-pad', ['1.3.0']);
    t += 2 * 3_600_000;
    const known = await client(cacheDir, { now: () => t });
    await known.packument('left-pad', ['1.3.0']);
    expect(known.stats.cacheHits).toBe(1);
    const unknown = await client(cacheDir, { now: () => t });
    await unknown.packument('left-pad', ['9.9.9']);
    expect(unknown.stats.cacheHits).toBe(0);
    expect(reg.requests.map((r) => r.status)).toEqual([200, 304]);
  });

  it('times out a slow registry with a ServiceError', async () => {
    reg.delayMs = 2000;
    const c = await client(tmp(), { timeoutMs: 200 });
    const e = await c.packument('left-pad').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ServiceError);
    expect(e).toMatchObject({ code: 'TIMEOUT' });
  });

  it('leaves packages without metadata when the registry is unreachable', async () => {
    const config = await loadRegistryConfig({ cwd: tmp(), home: tmp(), env: {}, registry: 'http://127.0.0.1:9/' });
    const c = new RegistryClient({ config, timeoutMs: 2000 });
    const r = await registryFacts([{ ecosystem: 'npm', name: 'left-pad', version: '1.3.0' }], { kind: 'registry', client: c });
    expect(r.facts.get('left-pad@1.3.0')).toMatchObject({ metadataAvailable: false });
    expect(r.errors[0]).toMatch(/^registry http:\/\/127\.0\.0\.1:9 unreachable/);
  });

  it('reports a package the registry does not have', async () => {
    const r = await registryFacts([{ ecosystem: 'npm', name: 'no-such-pkg', version: '1.0.0' }], { kind: 'registry', client: await client() });
    expect(r.facts.get('no-such-pkg@1.0.0')).toEqual({ metadataAvailable: false, metadataError: 'package not found in the registry' });
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    for (let i = 0; i < 8; i++) reg.packuments.set(`many-${i}`, reg.packuments.get('left-pad')!);
    reg.delayMs = 50;
    reg.maxInFlight = 0;
    const c = await client(tmp(), { concurrency: 3 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => c.packument(`many-${i}`)));
    expect(reg.requests).toHaveLength(8);
    expect(reg.maxInFlight).toBe(3);
  });

  it('refuses a packument over the size bound', async () => {
    const c = await client(tmp(), { maxBytes: 100 });
    await expect(c.packument('left-pad')).rejects.toMatchObject({ code: 'SERVICE' });
  });
});


describe('metadata snapshots', () => {
  it('keeps only well-typed fields, so a malformed entry reads as unknown rather than as a fact', async () => {
    const { readSnapshot } = await import('../../helper/src/registry/snapshot.js');
    const { factsFromPackument } = await import('../../helper/src/registry/packument.js');
    const file = join(tmp(), 'snap.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'sscs-metadata-snapshot/v1',
        createdAt: '2026-01-01T00:00:00Z',
        packuments: { x: { name: 'x', time: { '1.0.0': '2025-01-01T00:00:00Z' }, versions: { '1.0.0': { hasInstallScript: 'no', license: { type: 'MIT' } } }, attestationsOffered: 'yes' } },
      }),
    );
    const meta = (await readSnapshot(file)).get('x')!;
    expect(factsFromPackument(meta, '1.0.0')).toEqual({ metadataAvailable: true, deprecated: false, publishedAt: new Date('2025-01-01T00:00:00Z') });
  });

  it('rejects a file that is not a snapshot', async () => {
    const { readSnapshot } = await import('../../helper/src/registry/snapshot.js');
    const file = join(tmp(), 'not.json');
    writeFileSync(file, '{"packuments":{}}');
    await expect(readSnapshot(file)).rejects.toMatchObject({ code: 'SCHEMA', where: { file, field: 'format' } });
  });
});
