import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';
import { runCli } from '../support/cli.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';

const ALLOW_ALL = 'version: 1\ndefault_action: allow\n';
const DENY_EVIL = 'version: 1\ndefault_action: allow\nrules:\n  - id: deny-evil\n    match: evil-pkg\n    action: deny\n';
const DENY_WAIVED = 'version: 1\ndefault_action: allow\nrules:\n  - id: deny-waived\n    match: waived-pkg\n    action: deny\n';
const FAIL_CLOSED = 'does not serve packages it has not checked';
/** Long enough for the online fetch to happen inside the waiver's lifetime. */
const WAIVER_LIFETIME_MS = 3000;

/** A restart on the same data dir: the port file of the last process must not be taken for the new one's. */
async function restart(dataDir: string, policy: string, upstream: string): Promise<FirewallProcess> {
  await rm(join(dataDir, 'port.json'), { force: true });
  return await startFirewallProcess({ policy: await writePolicy(policy), upstream, dataDir, args: ['--packument-ttl', '0'] });
}

const tarballOf = (fw: FirewallProcess, name: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${fw.url}/${name}/-/${name}-1.0.0.tgz`, { headers });

async function fetched(res: Response): Promise<number> {
  await res.arrayBuffer();
  return res.status;
}

describe('firewall offline, across restarts', () => {
  let v: Verdaccio;
  beforeAll(async () => {
    v = await startVerdaccio();
    await v.publish({ name: 'evil-pkg', version: '1.0.0' });
    await v.publish({ name: 'kept-pkg', version: '1.0.0' });
    await v.publish({ name: 'waived-pkg', version: '1.0.0' });
  });
  afterAll(async () => v?.close());

  it('refuses a cached tarball after a restart under another policy, and serves it under the same one', async () => {
    const first = await startFirewallProcess({ policy: await writePolicy(ALLOW_ALL), upstream: v.url, args: ['--packument-ttl', '0'] });
    try {
      expect(await fetched(await tarballOf(first, 'evil-pkg'))).toBe(200);
      expect(await fetched(await tarballOf(first, 'kept-pkg'))).toBe(200);
    } finally {
      await first.stop();
    }
    await v.stop();
    try {
      const strict = await restart(first.dataDir, DENY_EVIL, v.url);
      try {
        expect((await fetch(`${strict.url}/evil-pkg`)).status).toBe(503);
        const evil = await tarballOf(strict, 'evil-pkg');
        expect(evil.status).toBe(503);
        expect(((await evil.json()) as { error: string }).error).toContain(FAIL_CLOSED);
        // Not decided under this policy either: the stored allow does not carry over.
        expect(await fetched(await tarballOf(strict, 'kept-pkg'))).toBe(503);
      } finally {
        await strict.stop();
      }
      const same = await restart(first.dataDir, ALLOW_ALL, v.url);
      try {
        const kept = await tarballOf(same, 'kept-pkg');
        expect(kept.status).toBe(200);
        expect(kept.headers.get('x-sscs-decision')).toBe('allow; rule=default');
        expect((await kept.arrayBuffer()).byteLength).toBeGreaterThan(0);
      } finally {
        await same.stop();
      }
    } finally {
      await v.restart();
    }
  });

  it('decides again offline: a waiver that has expired no longer serves the cached tarball', async () => {
    const fw = await startFirewallProcess({ policy: await writePolicy(DENY_WAIVED), upstream: v.url, args: ['--packument-ttl', '0'] });
    try {
      const expires = new Date(Date.now() + WAIVER_LIFETIME_MS);
      const w = await runCli(['firewall', 'waive', 'waived-pkg@1.0.0', '--reason', 'short review', '--by', 'tester', '--expires', expires.toISOString(), '--data-dir', fw.dataDir]);
      expect(w.exitCode).toBe(0);
      const online = await tarballOf(fw, 'waived-pkg');
      expect(online.status).toBe(200);
      expect(online.headers.get('x-sscs-decision')).toBe('allow; rule=waiver:1');
      await online.arrayBuffer();
      await v.stop();
      try {
        while (Date.now() <= expires.getTime()) await new Promise((r) => setTimeout(r, 100));
        expect(await fetched(await tarballOf(fw, 'waived-pkg'))).toBe(503);
      } finally {
        await v.restart();
      }
    } finally {
      await fw.stop();
    }
  });
});

describe('firewall offline, private registry', () => {
  let v: Verdaccio;
  let fw: FirewallProcess;
  beforeAll(async () => {
    v = await startVerdaccio({ access: '$authenticated' });
    await v.publish({ name: 'private-pkg', version: '1.0.0' });
    fw = await startFirewallProcess({ policy: await writePolicy(ALLOW_ALL), upstream: v.url, args: ['--packument-ttl', '0'] });
  });
  afterAll(async () => {
    await fw?.stop();
    await v?.close();
  });

  it('serves a private tarball offline only to the credential that fetched it', async () => {
    const reader = { authorization: `Bearer ${v.token}` };
    expect(await fetched(await tarballOf(fw, 'private-pkg', reader))).toBe(200);
    expect(await fetched(await tarballOf(fw, 'private-pkg'))).toBe(502);
    await v.stop();
    try {
      const anonymous = await tarballOf(fw, 'private-pkg');
      expect(anonymous.status).toBe(503);
      expect(((await anonymous.json()) as { error: string }).error).toContain(FAIL_CLOSED);
      expect(await fetched(await tarballOf(fw, 'private-pkg', { authorization: 'Bearer someone-else' }))).toBe(503);
      expect(await fetched(await tarballOf(fw, 'private-pkg', reader))).toBe(200);
    } finally {
      await v.restart();
    }
    // Only a hash of the credential is kept: neither the log nor the state holds the token.
    expect(fw.logs()).not.toContain(v.token);
    for (const f of await readdir(fw.dataDir)) {
      if (f.startsWith('firewall.db')) expect((await readFile(join(fw.dataDir, f))).includes(v.token)).toBe(false);
    }
  });
});

describe('firewall state written before credentials were kept', () => {
  it('adds the credential column, and an old allow serves no credential offline', async () => {
    const { DatabaseSync } = await import('node:sqlite');
    const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-old-'));
    const path = join(dir, 'firewall.db');
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE decisions (name TEXT NOT NULL, version TEXT NOT NULL, action TEXT NOT NULL, rule TEXT NOT NULL, reason TEXT NOT NULL,
      until INTEGER, integrity TEXT, policy_version TEXT NOT NULL, decided_at INTEGER NOT NULL, PRIMARY KEY (name, version))`);
    old.exec(`INSERT INTO decisions VALUES ('old-pkg', '1.0.0', 'allow', 'default', 'r', NULL, 'sha512-AAAA', 'p1', 1)`);
    old.close();
    const store = await openSqliteStore(path);
    try {
      const before = await store.decision('old-pkg', '1.0.0');
      expect(before).toMatchObject({ action: 'allow', integrity: 'sha512-AAAA' });
      expect(before?.credential).toBeUndefined();
      await store.recordDecisions([{ ...before!, credential: 'anonymous', decidedAt: new Date() }]);
      expect((await store.decision('old-pkg', '1.0.0'))?.credential).toBe('anonymous');
    } finally {
      await store.close();
    }
  });
});
