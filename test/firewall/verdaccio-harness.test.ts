import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';

describe('verdaccio harness', () => {
  let v: Verdaccio;
  beforeAll(async () => {
    v = await startVerdaccio();
    await v.publish({ name: 'harness-a', version: '1.0.0' });
    await v.publish({ name: '@scope/harness-b', version: '2.0.0', scripts: { postinstall: 'node -e 1' } });
  });
  afterAll(async () => v?.close());

  it('serves what npm published: time in both forms, scripts in the full one, hasInstallScript in the abbreviated one', async () => {
    const full = (await (await fetch(`${v.url}/@scope%2fharness-b`)).json()) as any;
    expect(full.versions['2.0.0'].scripts).toEqual({ postinstall: 'node -e 1' });
    expect(full.time['2.0.0']).toMatch(/^\d{4}-/);
    const abbr = (await (await fetch(`${v.url}/@scope/harness-b`, { headers: { accept: 'application/vnd.npm.install-v1+json' } })).json()) as any;
    expect(abbr.versions['2.0.0'].hasInstallScript).toBe(true);
    expect(abbr.time['2.0.0']).toBe(full.time['2.0.0']);
    const plain = (await (await fetch(`${v.url}/harness-a`, { headers: { accept: 'application/vnd.npm.install-v1+json' } })).json()) as any;
    expect(Object.keys(plain.versions)).toEqual(['1.0.0']);
    expect(plain.versions['1.0.0'].dist.integrity).toMatch(/^sha512-/);
  });

  it('serves a tampered tarball whose bytes no longer match the published integrity', async () => {
    await v.publish({ name: 'harness-c', version: '1.0.0' });
    const doc = (await (await fetch(`${v.url}/harness-c`)).json()) as any;
    const dist = doc.versions['1.0.0'].dist;
    const before = Buffer.from(await (await fetch(dist.tarball)).arrayBuffer());
    expect(`sha512-${createHash('sha512').update(before).digest('base64')}`).toBe(dist.integrity);
    await v.tamper('harness-c', '1.0.0');
    const after = Buffer.from(await (await fetch(dist.tarball)).arrayBuffer());
    expect(after.length).toBe(before.length);
    expect(`sha512-${createHash('sha512').update(after).digest('base64')}`).not.toBe(dist.integrity);
  });
});
