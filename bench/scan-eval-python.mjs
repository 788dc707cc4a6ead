// The Python half of `npm run scan:eval`: GuardDog's Python rule tests (tests/analyzer/sourcecode/*.py), packed
// as distributions and scanned.
// - Semgrep tests (files with `# ruleid: R` / `# ok: R` markers): cut at top-level statements (tree-sitter's
//   Python grammar, as the scanner reads them), each snippet ending at a statement that holds a marker.
// - YARA tests (threat-*.py): the whole file must be detected; files under benign/ must not.
// Each snippet becomes two distributions: an sdist whose setup.py is the snippet (runs at install) and a wheel
// whose pkg/__init__.py is the snippet (runs on import).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSdist, buildWheel } from '../test/support/pypi-dist.ts';
import { pct, rateTable } from './lib.mjs';

const MARKER = /#\s*(ruleid|ok)\s*:\s*([\w-]+)/g;

function snippets(text, parse) {
  const root = parse(text);
  const markers = [...text.matchAll(MARKER)].map((m) => ({ at: m.index, kind: m[1], rule: m[2] }));
  const out = [];
  let start = 0;
  for (const stmt of root.children) {
    if (stmt.type === 'comment') continue;
    const inside = markers.filter((m) => m.at >= start && m.at < stmt.end);
    if (inside.length === 0) continue;
    out.push({ rule: inside[0].rule, must: inside.some((m) => m.kind === 'ruleid'), code: text.slice(start, stmt.end) });
    start = stmt.end;
  }
  return out;
}

/** Runs the evaluation; prints per-family rates; returns the totals. */
export async function evalPython({ src, verbose, severityRank, dist }) {
  const { scanPythonDistribution } = await import(`${dist}/scan/index.js`);
  const { pythonParser, parsePython } = await import(`${dist}/scan/python/parse.js`);
  const parser = await pythonParser();
  const parse = (text) => {
    const r = parsePython(parser, text);
    if ('error' in r) throw new Error(r.error);
    return r.root;
  };
  const cases = [];
  for (const path of src.list()) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (!name.endsWith('.py') || name.startsWith('test_')) continue;
    const benign = path.includes('/benign/');
    const text = src.read(path);
    if (name.startsWith('threat-')) cases.push({ family: name.replace(/\.py$/, ''), must: !benign, code: text, from: path });
    else if (MARKER.test(text)) for (const s of snippets(text, parse)) cases.push({ family: s.rule, must: s.must, code: s.code, from: path });
    MARKER.lastIndex = 0;
  }
  const work = await mkdtemp(join(tmpdir(), 'sscs-scan-eval-py-'));
  const worst = (r) => r.findings[0]?.severity;
  const atLeast = (r, s) => worst(r) !== undefined && severityRank(worst(r)) >= severityRank(s);
  const rates = rateTable(atLeast);
  let n = 0;
  for (const c of cases) {
    const sdist = join(work, `s${n}.tar.gz`);
    const wheel = join(work, `w${n++}.whl`);
    await writeFile(sdist, buildSdist({ name: 'eval-pkg', version: '1.0', files: { 'setup.py': c.code } }).bytes);
    await writeFile(wheel, buildWheel({ name: 'eval_pkg', version: '1.0', files: { 'eval_pkg/__init__.py': c.code } }).bytes);
    for (const [mode, file, format] of [['setup.py', sdist, 'sdist'], ['__init__.py', wheel, 'wheel']]) {
      const report = await scanPythonDistribution(file, format);
      if (!rates.add(c.family, c.must, mode, report) && verbose) {
        console.log(`${c.must ? 'MISSED' : 'FALSE+'} ${c.family} (${mode}) from ${c.from}: ${report.findings.map((f) => `${f.severity} ${f.rule}`).join(', ') || 'no findings'}`);
        console.log(`    ${c.code.trim().split('\n').slice(-6).join('\n    ')}`);
      }
    }
  }
  await rm(work, { recursive: true, force: true });

  const total = rates.print(`\nGuardDog Python rule tests: ${cases.length} cases, each as an sdist (setup.py) and a wheel (__init__.py)`, ['setup.py', '__init__.py']);
  const t = total.must;
  console.log(`\nPython must-detect flagged at ≥medium: in setup.py ${t['setup.py'][0]}/${t['setup.py'][1]} (${pct(...t['setup.py']).trim()}), in __init__.py ${t['__init__.py'][0]}/${t['__init__.py'][1]} (${pct(...t['__init__.py']).trim()})`);
  console.log(`Python must-not flagged: at ≥high ${total.not.high[0]}/${total.not.high[1]}, at ≥medium ${total.not.medium[0]}/${total.not.medium[1]}`);
  return total;
}
