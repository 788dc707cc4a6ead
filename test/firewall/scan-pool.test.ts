import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const POLICY = 'version: 1\nrules:\n  - id: suspicious-code\n    when: { suspicious: high }\n    action: quarantine\n';
/**
 * Issue 10's hostile package, smaller: files made of hex escapes, which once froze the event loop. A random
 * escape every 64 keeps the compression ratio under the 1000 that npm publish accepts.
 */
function escapes(chars: number): string {
  const parts: string[] = [];
  for (let i = 0; i < chars / 256; i++) parts.push(`${'\\x41'.repeat(63)}\\x${Math.floor(Math.random() * 256).toString(16).padStart(2, '0')}`);
  return `'${parts.join('')}'\n`;
}
const ESCAPES = escapes(15 * 1024 * 1024);
const HOSTILE_FILES = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}.js`, ESCAPES]));

describe('firewall --scan: scans run off the event loop, within a budget', () => {
  let v: Verdaccio;
  let fw: FirewallProcess;
  let tight: FirewallProcess;
  beforeAll(async () => {
    v = await startVerdaccio();
    await v.publish({ name: 'hostile-pkg', version: '1.0.0', files: HOSTILE_FILES, manifest: { main: 'f0.js' } });
    const policy = await writePolicy(POLICY);
    fw = await startFirewallProcess({ policy, upstream: v.url, args: ['--scan'] });
    tight = await startFirewallProcess({ policy, upstream: v.url, args: ['--scan', '--scan-budget-ms', '1'] });
  });
  afterAll(async () => {
    await fw?.stop();
    await tight?.stop();
    await v?.close();
  });

  it('answers /-/health while a hostile package is being scanned', async () => {
    let pending = true;
    const tarball = fetch(`${fw.url}/hostile-pkg/-/hostile-pkg-1.0.0.tgz`).then(async (r) => {
      await r.arrayBuffer();
      pending = false;
      return r.status;
    });
    let answered = 0;
    while (pending) {
      const h = await fetch(`${fw.url}/-/health`);
      expect(h.status).toBe(200);
      await h.arrayBuffer();
      if (pending) answered++;
    }
    // The escapes are harmless text: the package is served once scanned.
    expect(await tarball).toBe(200);
    expect(answered).toBeGreaterThan(0);
  });

  it('gives a package over its time budget a finding and the policy outcome for an incomplete scan', async () => {
    const res = await fetch(`${tight.url}/hostile-pkg/-/hostile-pkg-1.0.0.tgz`);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-sscs-decision')).toBe('quarantine; rule=suspicious-code');
    const { error } = (await res.json()) as { error: string };
    expect(error).toContain('the scan is incomplete (scan-budget');
    // The server is still serving.
    expect((await fetch(`${tight.url}/-/health`)).status).toBe(200);
  });
});
