/**
 * Release-history signals through both users of the one facts module: `sscs policy check` over a lockfile
 * and the firewall over the same packuments (asked for abbreviated, which lacks `_npmUser`, `time` and
 * attestations, and full) decide alike, and the firewall leaves the signalled versions out of what it serves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { ABBREVIATED, startNpmRegistry, type NpmRegistry, type RegistryPackageSpec } from '../support/npm-registry.js';
import { startFirewallProcess, writePolicy } from './support.js';

const DAY = 24 * 3_600_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);
// A package published from CI with provenance, then from a stolen token; another woken after two years.
const PACKAGES: RegistryPackageSpec[] = [
  { name: 'tokenised', version: '1.0.0', publishedAt: ago(300), publisher: 'ci-bot', provenance: true },
  { name: 'tokenised', version: '1.1.0', publishedAt: ago(200), publisher: 'ci-bot', provenance: true },
  { name: 'tokenised', version: '1.1.1', publishedAt: ago(10), publisher: 'intruder', scripts: { postinstall: 'node x.js' } },
  { name: 'sleepy', version: '0.1.0', publishedAt: ago(900), publisher: 'owner' },
  { name: 'sleepy', version: '0.1.1', publishedAt: ago(5), publisher: 'owner' },
];
const POLICY = `
version: 1
rules:
  - id: provenance-dropped
    when: { provenance_dropped: true }
    action: deny
  - id: install-script-added
    when: { install_script_added: true }
    action: deny
  - id: new-publisher
    when: { publisher_changed: 5 }
    action: quarantine
  - id: dormant
    when: { dormant_for: 52w }
    action: quarantine
`;
const EXPECTED = {
  'tokenised@1.0.0': 'allow; rule=default',
  'tokenised@1.1.0': 'allow; rule=default',
  'tokenised@1.1.1': 'deny; rule=provenance-dropped',
  'sleepy@0.1.0': 'allow; rule=default',
  'sleepy@0.1.1': 'quarantine; rule=dormant',
};
const key = (p: { name: string; version: string }) => `${p.name}@${p.version}`;

describe('release-history signals: the check and the firewall decide alike', () => {
  let r: NpmRegistry;
  let policy: string;
  beforeAll(async () => {
    r = await startNpmRegistry();
    for (const p of PACKAGES) await r.publish(p);
    policy = await writePolicy(POLICY);
  });
  afterAll(async () => r?.close());

  it('sscs policy check decides on them and lists them in the JSON report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-history-'));
    const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0' } };
    for (const p of PACKAGES) packages[`node_modules/holder-${p.name}-${p.version}/node_modules/${p.name}`] = { version: p.version, resolved: `${r.url}/${p.name}/-/${p.name}-${p.version}.tgz` };
    await writeFile(join(dir, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
    const out = await runCli(['policy', 'check', 'package-lock.json', '--policy', policy, '--registry', `${r.url}/`, '--format', 'json', '--cache-dir', join(dir, 'cache')], { cwd: dir, env: { HOME: dir } });
    const report = JSON.parse(out.stdout) as { errors: string[]; packages: { name: string; version: string; decision: string; rule: string; reason: string; signals?: { signal: string; holds: unknown; reason: string }[] }[] };
    expect(report.errors).toEqual([]);
    expect(Object.fromEntries(report.packages.map((p) => [key(p), `${p.decision}; rule=${p.rule}`]))).toEqual(EXPECTED);
    const hit = report.packages.find((p) => key(p) === 'tokenised@1.1.1')!;
    expect(hit.reason).toBe('has no provenance attestation, but the version published 1 before it had one');
    expect(hit.signals?.map((s) => `${s.signal}=${String(s.holds)}`)).toEqual(['provenance_dropped=true', 'publisher_changed=true', 'install_script_added=true']);
    expect(report.packages.find((p) => key(p) === 'sleepy@0.1.1')!.signals?.map((s) => s.signal)).toEqual(['dormant_for']);
    expect(report.packages.find((p) => key(p) === 'tokenised@1.1.0')!.signals).toBeUndefined();
    expect(out.exitCode).toBe(1);
  });

  it.each([
    ['abbreviated', `${ABBREVIATED}, application/json;q=0.8`],
    ['full', 'application/json'],
  ])('the firewall decides the same from the %s form and serves only what is allowed', async (_, accept) => {
    const fw = await startFirewallProcess({ policy, upstream: r.url });
    try {
      const decided: Record<string, string> = {};
      for (const name of ['tokenised', 'sleepy']) {
        const res = await fetch(`${fw.url}/${name}`, { headers: { accept } });
        const doc = (await res.json()) as { versions: Record<string, unknown> };
        expect(Object.keys(doc.versions).sort()).toEqual(PACKAGES.filter((p) => p.name === name && EXPECTED[key(p) as keyof typeof EXPECTED].startsWith('allow')).map((p) => p.version));
        for (const p of PACKAGES.filter((x) => x.name === name)) {
          const tgz = await fetch(`${fw.url}/${p.name}/-/${p.name}-${p.version}.tgz`);
          await tgz.arrayBuffer();
          decided[key(p)] = tgz.headers.get('x-sscs-decision') ?? `none (${tgz.status})`;
        }
      }
      expect(decided).toEqual(EXPECTED);
    } finally {
      await fw.stop();
    }
  });
});
