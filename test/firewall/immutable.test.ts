import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sha1hex, sri, startHostileUpstream, type HostileUpstream } from './hostile-upstream.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const IMMUTABLE = 'npm versions are immutable';

describe('firewall: immutable versions whatever the hash algorithm', () => {
  let up: HostileUpstream;
  let fw: FirewallProcess;
  beforeAll(async () => {
    up = await startHostileUpstream();
    fw = await startFirewallProcess({ policy: await writePolicy('version: 1\n'), upstream: up.url, args: ['--packument-ttl', '0'] });
  });
  afterAll(async () => {
    await fw?.stop();
    await up?.close();
  });

  /** Status, and whether the whole body arrived (a cut download is not a served one). */
  const get = async (name: string): Promise<{ status: number; body?: Buffer; error?: string }> => {
    try {
      const res = await fetch(`${fw.url}/${name}/-/${name}-1.0.0.tgz`);
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200) return { status: res.status, error: (JSON.parse(body.toString()) as { error: string }).error };
      return { status: 200, body };
    } catch {
      return { status: -1 };
    }
  };

  it('refuses a version served under sha512 and republished with other bytes under sha384', async () => {
    const good = randomBytes(4096);
    up.publish('imm-384', '1.0.0', { tarball: good });
    expect((await get('imm-384')).body).toEqual(good);
    const evil = randomBytes(4096);
    up.publish('imm-384', '1.0.0', { tarball: evil, integrity: sri('sha384', evil) });
    const again = await get('imm-384');
    expect(again.status).toBe(502);
    expect(again.error).toContain(IMMUTABLE);
    expect(again.error).toContain('now lists only sha384, sha1');
    // The remembered sha512 was not replaced by the weaker one: still refused.
    expect((await get('imm-384')).status).toBe(502);
  });

  it('refuses a version served under sha512 and republished with only a sha1 shasum', async () => {
    const good = randomBytes(4096);
    up.publish('imm-sha1', '1.0.0', { tarball: good });
    expect((await get('imm-sha1')).body).toEqual(good);
    const evil = randomBytes(4096);
    up.publish('imm-sha1', '1.0.0', { tarball: evil, integrity: null });
    const again = await get('imm-sha1');
    expect(again.status).toBe(502);
    expect(again.error).toContain('now lists only sha1');
  });

  it('refuses a version whose sha512 changed, even with the old shasum kept', async () => {
    const good = randomBytes(4096);
    up.publish('imm-same', '1.0.0', { tarball: good });
    expect((await get('imm-same')).body).toEqual(good);
    const evil = randomBytes(4096);
    up.publish('imm-same', '1.0.0', { tarball: evil, shasum: sha1hex(good) });
    expect((await get('imm-same')).error).toContain(IMMUTABLE);
  });

  it('never serves bytes a stronger new digest vouches for unless they also match the remembered sha1', async () => {
    const good = randomBytes(4096);
    up.publish('imm-upgrade', '1.0.0', { tarball: good, integrity: null });
    expect((await get('imm-upgrade')).body).toEqual(good);
    // An attacker adds a sha512 of other bytes and keeps the old shasum: the bytes fail the remembered sha1.
    const evil = randomBytes(4096);
    up.publish('imm-upgrade', '1.0.0', { tarball: evil, shasum: sha1hex(good) });
    for (let i = 0; i < 2; i++) expect((await get('imm-upgrade')).status).toBe(-1);
    // The real bytes with their sha512 added: checked against both, served, and the sha512 is remembered from then on.
    up.publish('imm-upgrade', '1.0.0', { tarball: good });
    expect((await get('imm-upgrade')).body).toEqual(good);
    up.publish('imm-upgrade', '1.0.0', { tarball: evil, shasum: sha1hex(good) });
    expect((await get('imm-upgrade')).error).toContain(IMMUTABLE);
    up.publish('imm-upgrade', '1.0.0', { tarball: good, integrity: null });
    expect((await get('imm-upgrade')).error).toContain('now lists only sha1');
  });
});
