import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { runCli } from '../support/cli.js';
import { startHostileUpstream, type HostileUpstream } from './hostile-upstream.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

/** Long enough to start the firewall, add a waiver, fetch and revalidate once inside the waivers' lifetime. */
const WAIVER_LIFETIME_MS = 7000;
const TTL_S = '1';
const sleepUntil = async (t: number): Promise<void> => {
  while (Date.now() <= t) await new Promise((r) => setTimeout(r, 50));
};

describe('firewall decisions that change with time', () => {
  let up: HostileUpstream;
  let fw: FirewallProcess;
  let expires: Date;
  beforeAll(async () => {
    up = await startHostileUpstream();
    expires = new Date(Date.now() + WAIVER_LIFETIME_MS);
    for (const name of ['store-waived', 'file-waived']) up.publish(name, '1.0.0', { tarball: randomBytes(2048) });
    // One day old exactly when the waivers expire.
    up.publish('young-pkg', '1.0.0', { tarball: randomBytes(2048), publishedAt: new Date(expires.getTime() - 86_400_000) });
    const policy = `version: 1
rules:
  - id: deny-waived
    match: ["store-waived", "file-waived"]
    action: deny
  - id: age-gate
    when: { published_within: 1d }
    action: quarantine
waivers:
  - package: file-waived
    reason: reviewed for one short test
    owner: tester
    expires: ${expires.toISOString()}
`;
    fw = await startFirewallProcess({ policy: await writePolicy(policy), upstream: up.url, args: ['--packument-ttl', TTL_S] });
    const w = await runCli(['firewall', 'waive', 'store-waived@1.0.0', '--reason', 'short review', '--by', 'tester', '--expires', expires.toISOString(), '--data-dir', fw.dataDir]);
    expect(w.exitCode, w.stderr).toBe(0);
  });
  afterAll(async () => {
    await fw?.stop();
    await up?.close();
  });

  const versions = async (name: string): Promise<number | string[]> => {
    const res = await fetch(`${fw.url}/${name}`);
    if (res.status !== 200) return res.status;
    return Object.keys(((await res.json()) as { versions: object }).versions);
  };
  const tarball = async (name: string): Promise<number> => {
    const res = await fetch(`${fw.url}/${name}/-/${name}-1.0.0.tgz`);
    await res.arrayBuffer();
    return res.status;
  };

  it('stops serving a waived version when its waiver expires, although the upstream revalidates the packument with 304', async () => {
    expect(Date.now() + Number(TTL_S) * 1000 + 500, 'the machine is too slow for the waivers\' lifetime').toBeLessThan(expires.getTime());
    for (const name of ['store-waived', 'file-waived']) {
      expect(await versions(name)).toEqual(['1.0.0']);
      expect(await tarball(name)).toBe(200);
    }
    expect(await versions('young-pkg')).toBe(403);
    // Past the TTL, still inside the waivers: the upstream says "not modified", and the allow still holds.
    await sleepUntil(Date.now() + Number(TTL_S) * 1000 + 100);
    expect(await versions('store-waived')).toEqual(['1.0.0']);
    expect(up.requests).toContain('GET /store-waived 304');
    await sleepUntil(expires.getTime() + 100);
    for (const name of ['store-waived', 'file-waived']) {
      expect(await versions(name)).toBe(403);
      expect(await tarball(name)).toBe(403);
    }
  });

  it('serves a quarantined version once its age gate ends, without waiting for the upstream to change', async () => {
    // young-pkg turned one day old when the waivers expired; the previous test waited past that.
    expect(await versions('young-pkg')).toEqual(['1.0.0']);
    expect(await tarball('young-pkg')).toBe(200);
  });
});
