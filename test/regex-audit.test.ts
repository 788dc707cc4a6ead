/**
 * Every regular expression in helper/src, checked for super-linear backtracking by a static ReDoS analyser:
 * recheck (makenowjust-labs), which decides polynomial as well as exponential backtracking from the expression's
 * automaton, with the degree and an attack string, and falls back to guided fuzzing where lookaround makes the
 * automaton inexact. V8's engine backtracks, and tries a match from every position: `\bprintenv\b[^\n]*\|` is
 * O(n²) on a line of repeated `printenv`, and a scanner reading hostile packages must not hold one.
 *
 * The literals are read from the source with the TypeScript parser, so a new one is checked without being listed.
 * Expressions built at run time are listed by call site with what they are built from; the ones built from
 * constants are imported and checked like the literals.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { RegExpParser, visitRegExpAST } from '@eslint-community/regexpp';
import { check } from 'recheck';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { STRING_HINT } from '../helper/src/scan/js/indicators.js';
import { NETWORK_CALL } from '../helper/src/scan/python/indicators.js';
import { SUBJECT_LIST_JSON } from '../helper/src/provenance/subject-shape.js';

const SRC = new URL('../helper/src/', import.meta.url).pathname;
/** The local Sigstore stack for development and tests: not in the published package (package.json `files`). */
const NOT_SHIPPED = ['localstack/'];
/**
 * recheck's limits per expression: a minute in all, and no time limit on its fuzzing's attack runs (by default 250 ms
 * and 1 s, which a loaded machine exceeds, and a run that exceeds one is reported as an attack): they are bounded
 * by the characters their VM reads, so a verdict is the same on any machine. The seed is fixed for the same reason.
 */
const CHECK_PARAMS = { timeout: 60_000, attackTimeout: null, incubationTimeout: null, randomSeed: 0 } as const;
const CONCURRENCY = 2;
/**
 * Verdicts of 'safe' already reached for the same expression, recheck version and parameters (node_modules/.cache,
 * never committed): a second run on a developer's machine checks only what changed. CI starts from a clean clone.
 */
const CACHE = new URL('../node_modules/.cache/sscs-regex-audit.json', import.meta.url).pathname;
const CACHE_KEY = `${(JSON.parse(readFileSync(new URL('../node_modules/recheck/package.json', import.meta.url), 'utf8')) as { version: string }).version} ${JSON.stringify(CHECK_PARAMS)}`;
const cached = new Set<string>(readCache());

function readCache(): string[] {
  try {
    const c = JSON.parse(readFileSync(CACHE, 'utf8')) as { key: string; safe: string[] };
    return c.key === CACHE_KEY ? c.safe : [];
  } catch {
    return [];
  }
}

function writeCache(): void {
  mkdirSync(dirname(CACHE), { recursive: true });
  writeFileSync(CACHE, JSON.stringify({ key: CACHE_KEY, safe: [...cached] }));
}

/**
 * Expressions reviewed by hand instead, and why: recheck reports them polynomial, or runs out of time on them, but
 * they are linear all the same (each has an adversarial test). An entry no longer in the source fails the test.
 */
const REVIEWED = new Map<string, string>([
  [
    String.raw`/\bBuffer\.from\s*\([^)]{0,400}['"](?:base64|hex)['"]|\batob\s*\(|\bString\.fromCharCode\s*\(\s*(?:\d+\s*,\s*){20,}|\bdecodeURIComponent\s*\(\s*escape\s*\(/`,
    'scan/rules/obfuscation.ts DECODER: the window [^)]{0,400} bounds each start to 400 steps (recheck counts the bound as a degree, and runs past a minute); it runs only on the 1,200 characters around each of at most 200 eval sinks (SINK_WINDOW, MAX_SINKS_CHECKED); test/scan/redos-known.test.ts',
  ],
]);

/** Call sites that build an expression at run time (per file, how many), and what they are built from. */
const DYNAMIC: Record<string, { sites: number; why: string }> = {
  'io/secrets.ts': { sites: 1, why: 'PRIVATE_KEY_BLOCK with the g flag: checked as a literal' },
  'lockfiles/manifest.ts': { sites: 1, why: "a workspace glob from the project's own package.json (`*` as `[^/]*`), matched against its own folder names" },
  'lockfiles/toml-doc.ts': { sites: 1, why: 'a table header `[[key]]` for a fixed key, tried at line starts' },
  'policy/match.ts': { sites: 1, why: "a name pattern from the policy file (the operator's configuration)" },
  'provenance/subject-shape.ts': { sites: 1, why: 'SUBJECT_LIST_JSON, from constants (hex digits written out as classes): imported and checked below' },
  'scan/js/indicators.ts': { sites: 1, why: 'STRING_HINT, the union of constant hints: imported and checked below' },
  'scan/js/linear.ts': { sites: 6, why: 'copies of constant expressions with g/y flags (checked as literals), anyOf hints (through STRING_HINT), an escaped literal (callArgs)' },
  'scan/package.ts': { sites: 1, why: 'a hook name from INSTALL_HOOKS, a constant' },
  'scan/python/analyse.ts': { sites: 1, why: '`\\bword\\b` for a word stripped to \\w characters: no repetition' },
  'scan/python/indicators.ts': { sites: 1, why: 'NETWORK_CALL, joined from constant sources: imported and checked below' },
  'scan/rules/credentials.ts': { sites: 1, why: 'NETWORK_SEND with the g flag: checked as a literal' },
  'scan/rules/obfuscation.ts': { sites: 2, why: 'OBFUSCATOR_IDS and EVAL_SINK with the g flag: checked as literals' },
  'schemas/policy-validator.generated.ts': { sites: 3, why: 'ajv standalone code for the JSON Schema patterns: anchored, bounded' },
  'schemas/provenance-validators.generated.ts': { sites: 6, why: 'ajv standalone code for the JSON Schema patterns: anchored, bounded' },
  'subjects/collect.ts': { sites: 1, why: 'a subject glob of the job (the project’s own CI configuration)' },
  'subjects/glob.ts': { sites: 1, why: 'a subject glob of the job (the project’s own CI configuration)' },
  'verify/artifact.ts': { sites: 1, why: 'a fixed-length hex digest: no unbounded repetition' },
  'verify/policy.ts': { sites: 2, why: "an identity pattern the verifier's own flags give (--certificate-identity-regexp), anchored" },
};

interface Literal {
  where: string;
  source: string;
  flags: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function shipped(): { file: string; tree: ts.SourceFile }[] {
  return sourceFiles(SRC)
    .map((p) => ({ file: relative(SRC, p), p }))
    .filter(({ file }) => !NOT_SHIPPED.some((d) => file.startsWith(d)))
    .map(({ file, p }) => ({ file, tree: ts.createSourceFile(p, readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, true) }));
}

function collect(): { literals: Literal[]; dynamic: Map<string, number> } {
  const literals: Literal[] = [];
  const dynamic = new Map<string, number>();
  for (const { file, tree } of shipped()) {
    const visit = (n: ts.Node): void => {
      // A literal read only for its `.source` is a fragment: it is checked in the expression built from it.
      if (n.kind === ts.SyntaxKind.RegularExpressionLiteral && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name.text === 'source')) {
        const text = n.getText();
        const end = text.lastIndexOf('/');
        literals.push({ where: `${file}:${tree.getLineAndCharacterOfPosition(n.getStart()).line + 1}`, source: text.slice(1, end), flags: text.slice(end + 1) });
      }
      if ((ts.isNewExpression(n) || ts.isCallExpression(n)) && n.expression.getText() === 'RegExp') dynamic.set(file, (dynamic.get(file) ?? 0) + 1);
      ts.forEachChild(n, visit);
    };
    visit(tree);
  }
  return { literals, dynamic };
}

/**
 * Linear by its shape: no unbounded repetition and no backreference, so each start costs a bounded number of
 * steps whatever the input. Everything else goes to recheck.
 */
function boundedByShape(source: string, flags: string): boolean {
  const pattern = new RegExpParser().parsePattern(source, 0, source.length, { unicode: flags.includes('u'), unicodeSets: flags.includes('v') });
  let bounded = true;
  visitRegExpAST(pattern, {
    onQuantifierEnter: (q) => void (q.max === Infinity && (bounded = false)),
    onBackreferenceEnter: () => void (bounded = false),
  });
  return bounded;
}

/** recheck's verdict: 'safe', or what it found. A sticky expression is tried at one position: checked anchored. */
async function verdict(source: string, flags: string): Promise<string> {
  if (boundedByShape(source, flags) || cached.has(`/${source}/${flags}`)) return 'safe';
  const sticky = flags.includes('y') && !flags.includes('m');
  const d = await check(sticky ? `^(?:${source})` : source, flags.replace(/[gyd]/g, ''), CHECK_PARAMS);
  if (d.status === 'safe') {
    cached.add(`/${source}/${flags}`);
    return 'safe';
  }
  if (d.status === 'vulnerable') return `${d.complexity.type}${d.complexity.type === 'polynomial' ? ` (degree ${d.complexity.degree})` : ''}, e.g. ${d.attack.pattern}`;
  return `${d.status}: ${d.status === 'unknown' ? d.error.kind : ''}`;
}

async function pool<T, R>(items: T[], f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out;
}

describe('regular expressions in helper/src: no super-linear backtracking (recheck)', () => {
  it('the check flags the shapes that stalled scans before (so it can fail)', async () => {
    const old = [
      String.raw`/\bprintenv\b[^\n]*\|/`, // ENV_DUMP: 88 s on 1 MB
      String.raw`/parseInt\([^)]*,\s*16\s*\)/`, // HEX_PARSE: 82 s on 1 MB
      String.raw`/^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+\(?([\w, \t*]+)/gm`, // FROM_IMPORT
      String.raw`/^\s*build-backend\s*=\s*["']([\w.]+)(?::[\w.]+)?["']/m`,
      String.raw`/\/+$/`,
      String.raw`/\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b/i`, // unanchored; the same one sticky is linear (below)
      String.raw`/^(a+)+$/`,
    ];
    const found = await pool(old, (re) => verdict(re.slice(1, re.lastIndexOf('/')), re.slice(re.lastIndexOf('/') + 1)));
    expect(found.map((v, i) => `${old[i]} ${v.split(',')[0]}`)).toEqual(old.map((re, i) => `${re} ${i === old.length - 1 ? 'exponential' : 'polynomial (degree 2)'}`));
    expect(await verdict(String.raw`\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b`, 'iy')).toBe('safe');
    expect(boundedByShape(String.raw`\d{1,3}(?:\.\d{1,3}){3}`, '')).toBe(true);
    expect(boundedByShape(String.raw`(a)\1`, '')).toBe(false);
  }, 120_000);

  it('every literal is linear, or reviewed above', async () => {
    const { literals } = collect();
    expect(literals.length).toBeGreaterThan(400);
    const unique = new Map<string, Literal[]>();
    for (const l of literals) unique.set(`/${l.source}/${l.flags}`, [...(unique.get(`/${l.source}/${l.flags}`) ?? []), l]);
    const keys = [...unique.keys()].filter((k) => !REVIEWED.has(k));
    expect([...REVIEWED.keys()].filter((k) => !unique.has(k)), 'reviewed expressions no longer in the source').toEqual([]);
    const verdicts = await pool(keys, (k) => verdict(unique.get(k)![0]!.source, unique.get(k)![0]!.flags));
    writeCache();
    const flagged = keys.map((k, i) => ({ k, v: verdicts[i]! })).filter(({ v }) => v !== 'safe');
    expect(flagged.map(({ k, v }) => `${unique.get(k)!.map((l) => l.where).join(' ')} ${k}: ${v}`)).toEqual([]);
  }, 900_000);

  it('every expression built at run time is listed with what it is built from', () => {
    const { dynamic } = collect();
    expect(Object.fromEntries(dynamic)).toEqual(Object.fromEntries(Object.entries(DYNAMIC).map(([f, { sites }]) => [f, sites])));
  });

  it('the expressions built from constants are linear', async () => {
    expect(await verdict(STRING_HINT.source, STRING_HINT.flags)).toBe('safe');
    expect(await verdict(NETWORK_CALL.source, NETWORK_CALL.flags)).toBe('safe');
    expect(await verdict(SUBJECT_LIST_JSON.source, SUBJECT_LIST_JSON.flags)).toBe('safe');
    writeCache();
  }, 120_000);
});
