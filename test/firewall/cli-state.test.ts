import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, REPO_ROOT } from '../support/cli.js';
import { DEFAULT_DATA_DIR } from '../../helper/src/firewall/config.js';

describe('firewall state from the CLI', () => {
  it('waives and lists on a data folder no firewall has created yet', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'sscs-fw-fresh-')), 'not', 'yet');
    const waive = await runCli(['firewall', 'waive', 'left-pad@1.3.0', '--reason', 'reviewed by the platform team', '--data-dir', dataDir]);
    expect(waive.stderr).toBe('');
    expect(waive.exitCode).toBe(0);
    expect(existsSync(join(dataDir, 'firewall.db'))).toBe(true);
    const list = await runCli(['firewall', 'quarantine', 'list', '--data-dir', dataDir]);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toBe('the quarantine queue is empty\n');
  });

  it('refuses to release a version that is not quarantined, saying so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sscs-fw-release-'));
    const r = await runCli(['firewall', 'quarantine', 'release', 'left-pad@1.3.0', '--reason', 'looked fine', '--data-dir', dataDir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('left-pad@1.3.0 is not in the quarantine queue: the firewall has not quarantined it');
    expect(r.stdout).toBe('');
  });

  it('refuses a waiver that has already expired', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sscs-fw-waive-'));
    const r = await runCli(['firewall', 'waive', 'left-pad@1.3.0', '--reason', 'reviewed', '--expires', '2020-01-01', '--data-dir', dataDir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('the waiver would expire at 2020-01-01T00:00:00.000Z, which is not in the future');
    const list = await runCli(['firewall', 'quarantine', 'list', '--format', 'json', '--data-dir', dataDir]);
    expect(list.exitCode).toBe(0);
  });

  it('applies a waiver for a semver range as a policy-file waiver would, and refuses one that is not a range', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sscs-fw-range-'));
    for (const spec of ['revlib@>=1.0.0 <2.0.0', 'rev2@1.x', 'rev3@*', 'rev4@3.1.4']) {
      const r = await runCli(['firewall', 'waive', spec, '--reason', 'reviewed', '--data-dir', dataDir]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    }
    for (const spec of ['revlib@not a range!!', 'revlib@>=1 <2 ||| x']) {
      const bad = await runCli(['firewall', 'waive', spec, '--reason', 'reviewed', '--data-dir', dataDir]);
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toContain('is not a version or a semver range: the waiver could never apply');
      expect(bad.stdout).toBe('');
    }
    const { openSqliteStore } = await import('../../helper/src/firewall/sqlite-store.js');
    const store = await openSqliteStore(join(dataDir, 'firewall.db'));
    try {
      const now = new Date();
      expect(await store.activeWaiver('revlib', '1.5.0', now)).toBeDefined();
      expect(await store.activeWaiver('revlib', '1.0.0', now)).toBeDefined();
      expect(await store.activeWaiver('revlib', '2.0.0', now)).toBeUndefined();
      expect(await store.activeWaiver('revlib', '0.9.9', now)).toBeUndefined();
      expect(await store.activeWaiver('rev2', '1.99.0', now)).toBeDefined();
      expect(await store.activeWaiver('rev2', '2.0.0', now)).toBeUndefined();
      expect(await store.activeWaiver('rev3', '9.9.9', now)).toBeDefined();
      expect(await store.activeWaiver('rev4', '3.1.4', now)).toBeDefined();
      expect(await store.activeWaiver('rev4', '3.1.5', now)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it("defaults to the same data folder as the npm-firewall component's data_dir", () => {
    const spec = parse(readFileSync(join(REPO_ROOT, 'templates/npm-firewall.yml'), 'utf8').split('\n---\n')[0]!) as { spec: { inputs: { data_dir: { default: string } } } };
    expect(spec.spec.inputs.data_dir.default).toBe(DEFAULT_DATA_DIR);
  });
});
