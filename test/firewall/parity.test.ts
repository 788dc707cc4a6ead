/**
 * One set of facts, one decision: `sscs policy check` over a lockfile and the firewall over the same
 * packuments (asked for in the abbreviated and in the full form) give the same decision, rule included,
 * for every version, under a policy that tests every registry fact and under one the abbreviated form answers alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { ABBREVIATED, startNpmRegistry, type NpmRegistry, type RegistryPackageSpec } from '../support/npm-registry.js';
import { startFirewallProcess, writePolicy } from './support.js';

const DAY = 24 * 3_600_000;
const old = new Date(Date.now() - 400 * DAY);
const PACKAGES: RegistryPackageSpec[] = [
  { name: 'plain', version: '1.0.0', publishedAt: old },
  { name: 'plain', version: '1.1.0', publishedAt: old, scripts: { postinstall: 'node setup.js' } },
  { name: 'native', version: '2.0.0', publishedAt: old, manifest: { gypfile: true } },
  { name: 'copyleft', version: '1.0.0', publishedAt: old, manifest: { license: 'GPL-3.0-only' } },
  { name: 'dual', version: '1.0.0', publishedAt: old, manifest: { license: '(MIT OR GPL-3.0-only)' } },
  { name: 'legacy', version: '1.0.0', publishedAt: old, manifest: { license: undefined, licenses: [{ type: 'MIT' }] } },
  { name: 'attested', version: '1.0.0', publishedAt: old, provenance: true },
  { name: 'attested', version: '1.1.0', publishedAt: old },
  { name: 'old-api', version: '0.9.0', publishedAt: old, deprecated: 'use new-api' },
  { name: 'fresh', version: '3.0.0', publishedAt: new Date(Date.now() - 3_600_000) },
  { name: '@acme/widget', version: '1.0.0', publishedAt: old },
  { name: '@acme/widget', version: '1.1.0', publishedAt: old, scripts: { preinstall: 'x' } },
];

const EVERY_FACT = `
version: 1
rules:
  - id: no-install-scripts
    when: { install_scripts: true }
    action: deny
  - id: licences
    when: { license: { allow: [MIT, Apache-2.0] } }
    action: deny
  - id: provenance
    when: { provenance: false }
    action: deny
  - id: deprecated
    when: { deprecated: true }
    action: warn
  - id: age-gate
    when: { published_within: 48h }
    action: quarantine
`;
const ABBREVIATED_ONLY = `
version: 1
rules:
  - id: deprecated
    when: { deprecated: true }
    action: deny
  - id: widget-1.1
    match: "pkg:npm/@acme/widget@1.1.0"
    action: quarantine
`;

type Decided = Record<string, string>;
const key = (p: { name: string; version: string }) => `${p.name}@${p.version}`;

async function project(r: NpmRegistry): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-parity-'));
  const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0' } };
  // One lockfile entry per version: nested copies where a name has two.
  for (const p of PACKAGES) {
    const path = packages[`node_modules/${p.name}`] ? `node_modules/holder-${p.version}/node_modules/${p.name}` : `node_modules/${p.name}`;
    packages[path] = { version: p.version, resolved: `${r.url}/${p.name}/-/${p.name.split('/').pop()}-${p.version}.tgz` };
  }
  await writeFile(join(dir, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
  return dir;
}

async function checkDecisions(r: NpmRegistry, policy: string): Promise<Decided> {
  const dir = await project(r);
  const out = await runCli(['policy', 'check', 'package-lock.json', '--policy', policy, '--registry', `${r.url}/`, '--format', 'json', '--cache-dir', join(dir, 'cache')], { cwd: dir, env: { HOME: dir } });
  const report = JSON.parse(out.stdout) as { errors: string[]; packages: { name: string; version: string; decision: string; rule: string }[] };
  expect(report.errors).toEqual([]);
  return Object.fromEntries(report.packages.map((p) => [key(p), `${p.decision}; rule=${p.rule}`]));
}

/** The firewall's decision for every version: its tarball's X-SSCS-Decision, after the packument was asked for in `accept`. */
async function firewallDecisions(r: NpmRegistry, policy: string, accept: string): Promise<Decided> {
  const fw = await startFirewallProcess({ policy, upstream: r.url });
  try {
    const out: Decided = {};
    for (const name of new Set(PACKAGES.map((p) => p.name))) {
      const doc = await fetch(`${fw.url}/${name.replace('/', '%2f')}`, { headers: { accept } });
      await doc.arrayBuffer();
      for (const p of PACKAGES.filter((x) => x.name === name)) {
        const res = await fetch(`${fw.url}/${p.name}/-/${p.name.split('/').pop()}-${p.version}.tgz`);
        await res.arrayBuffer();
        out[key(p)] = res.headers.get('x-sscs-decision') ?? `none (${res.status})`;
      }
    }
    return out;
  } finally {
    await fw.stop();
  }
}

describe('the check and the firewall decide alike', () => {
  let r: NpmRegistry;
  beforeAll(async () => {
    r = await startNpmRegistry();
    for (const p of PACKAGES) await r.publish(p);
  });
  afterAll(async () => r?.close());

  it.each([
    ['a policy on every registry fact', EVERY_FACT],
    ['a policy the abbreviated form answers alone', ABBREVIATED_ONLY],
  ])('for %s', async (_, yaml) => {
    const policy = await writePolicy(yaml);
    const check = await checkDecisions(r, policy);
    expect(Object.keys(check)).toHaveLength(PACKAGES.length);
    const fromAbbreviated = await firewallDecisions(r, policy, `${ABBREVIATED}, application/json;q=0.8`);
    const fromFull = await firewallDecisions(r, policy, 'application/json');
    expect(fromAbbreviated).toEqual(check);
    expect(fromFull).toEqual(check);
  });

  it('decides what the policy says, so that agreement is not agreement on nothing', async () => {
    const check = await checkDecisions(r, await writePolicy(EVERY_FACT));
    expect(check).toEqual({
      'plain@1.0.0': 'allow; rule=default',
      'plain@1.1.0': 'deny; rule=no-install-scripts',
      'native@2.0.0': 'deny; rule=no-install-scripts',
      'copyleft@1.0.0': 'deny; rule=licences',
      'dual@1.0.0': 'allow; rule=default',
      'legacy@1.0.0': 'allow; rule=default',
      'attested@1.0.0': 'allow; rule=default',
      'attested@1.1.0': 'deny; rule=provenance',
      'old-api@0.9.0': 'warn; rule=deprecated',
      'fresh@3.0.0': 'quarantine; rule=age-gate',
      '@acme/widget@1.0.0': 'allow; rule=default',
      '@acme/widget@1.1.0': 'deny; rule=no-install-scripts',
    });
  });
});
