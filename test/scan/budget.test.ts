import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_UNITS, spend, UNITS_PER_CHAR, withBudget } from '../../helper/src/scan/budget.js';
import { scanPythonDistribution, scanTarball, type ScanReport } from '../../helper/src/scan/index.js';
import { makeSdist } from './python-support.js';
import { packTree, tempDir } from './support.js';

const rules = (r: ScanReport) => r.findings.map((f) => `${f.severity} ${f.rule} ${f.file}${/work budget/.test(f.message) ? ' (budget)' : ''}`).sort();

describe('work budget (budget.ts)', () => {
  it('counts what is spent, shares it with nested runs, and says when it ran out', () => {
    const small = withBudget(10, () => {
      expect(spend(BASE_UNITS)).toBe(true);
      const inner = withBudget(1e9, () => spend(10 * UNITS_PER_CHAR));
      expect(inner).toEqual({ value: true, exhausted: false, spent: BASE_UNITS + 10 * UNITS_PER_CHAR });
      return spend(1);
    });
    expect(small).toEqual({ value: false, exhausted: true, spent: BASE_UNITS + 10 * UNITS_PER_CHAR + 1 });
    expect(spend(1e12)).toBe(true); // outside any file's analysis nothing is counted
  });
});

describe('scan: files whose folding would build far more than their size', () => {
  let work: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    work = await tempDir('sscs-budget-');
  });
  afterAll(() => work.cleanup());

  // Each line folds to 1 MB and is parsed again: 200 ms a line before the budget, so 64 lines took 13 s and a
  // 4 MB file of them hours. With it, 16 of them spend the budget and the rest stay unfolded.
  const pyRepeat = (n: number) => `import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\na = 'x'\n${Array.from({ length: n }, (_, i) => `b${i} = a * 1000000\nexec(b${i})\n`).join('')}`;

  it('Python: setup.py of 2,000 lines folding 1 MB each is not fully analysed (medium), and what was found stays', async () => {
    const r = await scanPythonDistribution(await makeSdist(work.dir, 'rep', { 'setup.py': pyRepeat(2000), 'pkg/__init__.py': '' }), 'sdist');
    expect(rules(r)).toEqual(['critical code-remote-eval setup.py', 'medium code-not-analysed setup.py (budget)']);
    expect(r.findings.find((f) => /work budget/.test(f.message))!.evidence).toMatch(/^\d+ work units$/);
  });
  it('Python: a few such lines are within the budget', async () => {
    const r = await scanPythonDistribution(await makeSdist(work.dir, 'rep4', { 'setup.py': pyRepeat(4), 'pkg/__init__.py': '' }), 'sdist');
    expect(rules(r)).toEqual(['critical code-remote-eval setup.py']);
  });

  const jsFolds = (n: number) => `var a = '${'x'.repeat(32000)}';\n${Array.from({ length: n }, () => "require('child_process').exec(a + a);").join('\n')}\n`;
  it('JavaScript: an install script of 16,000 lines folding 64 KB each leaves the scan incomplete', async () => {
    const r = await scanTarball(await packTree(work.dir, 'folds', { scripts: { postinstall: 'node i.js' } }, { 'i.js': jsFolds(16000) }));
    expect(rules(r)).toContain('high scan-incomplete i.js (budget)');
  });
  it('JavaScript: a hundred such lines are within the budget, and the same file found the same', async () => {
    const r = await scanTarball(await packTree(work.dir, 'folds100', { scripts: { postinstall: 'node i.js' } }, { 'i.js': jsFolds(100) }));
    expect(rules(r).filter((f) => f.includes('budget'))).toEqual([]);
  });
});
