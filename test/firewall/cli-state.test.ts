import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

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
});
