/**
 * firewall run reads a requirements file's option lines as pip reads them (helper/src/firewall/pip-requirements-file.ts).
 * Each case is read twice: by our reader, and by Debian's pip 23.0.1 itself (its req_file.preprocess, break_args_options,
 * shlex and requirements-file option parser, run in /usr/bin/python3): the sources and nested files pip would act on
 * must be the ones we see. Then the check refuses them, abbreviated, aliased or hidden by pip's own line handling.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirementLines } from '../../helper/src/firewall/pip-requirements-file.js';
import { checkPythonSources } from '../../helper/src/firewall/python-sources.js';

const PYTHON = '/usr/bin/python3';
/** pip's own reading of each file given: per line, its number, requirement part and the options it set. */
const PIP_READS = `
import json, shlex, sys
from pip._internal.req.req_file import preprocess, build_parser, break_args_options
from pip._internal.utils.encoding import auto_decode
out = []
for path in sys.argv[1:]:
    lines = []
    for n, line in preprocess(auto_decode(open(path, 'rb').read())):
        args, rest = break_args_options(line)
        try:
            words = shlex.split(rest)
            parser = build_parser()
            parser.error = lambda msg: (_ for _ in ()).throw(ValueError(msg))
            defaults = parser.get_default_values(); defaults.index_url = None
            opts, _ = parser.parse_args(words, defaults)
        except ValueError:
            lines.append({'line': n, 'error': True}); continue
        keep = ['index_url', 'extra_index_urls', 'no_index', 'find_links', 'trusted_hosts', 'requirements', 'constraints', 'editables']
        lines.append({'line': n, 'args': args, 'opts': {k: getattr(opts, k) for k in keep if getattr(opts, k)}})
    out.append(lines)
print(json.dumps(out))
`;
/** Our canonical option -> pip's dest. */
const DEST: Record<string, string> = { '--index-url': 'index_url', '--extra-index-url': 'extra_index_urls', '--no-index': 'no_index', '--find-links': 'find_links', '--trusted-host': 'trusted_hosts', '--requirement': 'requirements', '--constraint': 'constraints', '--editable': 'editables' };
const LISTS = new Set(['extra_index_urls', 'find_links', 'trusted_hosts', 'requirements', 'constraints', 'editables']);

const CASES: [string, string | Buffer][] = [
  ['abbreviated --find-links', 'tiny-lib==1.0\n--find-link ./wheels\n'],
  ['abbreviated with =', '--find=./wheels\n--extra=http://x/simple\n'],
  ['the --pypi-url alias and its prefix', '--pypi-url http://x/simple\n--pypi http://y/simple\n'],
  ['an ambiguous prefix (pip stops)', '--i http://x/simple\n'],
  ['short clusters', '-fwheels\n-rmore.txt\n-cc.txt -r other.txt\n'],
  ['quoted option words', 'x==1 "--find-links" ./w\n-r x.txt \'--find-links=./w\'\n--fi"nd-links"=./q\n'],
  ['carriage return ends a line', 'flask==2 # comment\r--find-links ./w\n'],
  ['form feed and other splitlines breaks', 'a==1\f--find-links ./w\x1c-i http://x/simple\u2028--no-index\n'],
  ['continued lines', 'tiny-lib \\\n  --extra-index-url=http://x/simple\n--find-\\\nlinks ./w\n'],
  ['backslashes stripped at both ends of a continued line', '\\\\--find-links=./w \\\\\n./more\n'],
  ['comments', '# --find-links ./no\nx==1 #--find-links ./no\nx==1#--find-links=./yes\n  # -i http://no/\n'],
  ['a comment line ends a continuation', 'x==1 \\\n# -i http://no/\n-i http://yes/simple\n'],
  ['variables pip expands', '${SRC_OPTION}\nx==1 --find-links ${WHEELS}\n${UNSET_VAR}\n'],
  ['escapes and quotes as shlex splits them', '--find-links a\\ b\n--find-links "c\\"d" \'e\'\n'],
  ['a tab does not break args from options', 'x==1\t--find-links ./w\n'],
  ['the requirement part is only up to the first word starting with -', 'x ==1 ; python_version>"3" --hash=sha256:00 -f ./w\n'],
  ['double dash', '-- --find-links ./w\n--no-index -- -i http://x/\n'],
  ['nested files', '-r a.txt\n--requirement=b.txt\n--constraint c.txt\n-cd.txt\n--req e.txt\n--co f.txt\n'],
  ['UTF-8 with a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('--find-link ./w\n')])],
  ['UTF-16 with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x==1\r\n--find-link ./w\r\n', 'utf16le')])],
  ['a latin-1 coding line', Buffer.from('# -*- coding: latin-1 -*-\n--find-links ./w\xe9\n', 'latin1')],
];
const ENV = { SRC_OPTION: '--index-url=http://x/simple', WHEELS: './w' };

const pipCan = existsSync(PYTHON) && (await execa(PYTHON, ['-c', 'import pip'], { reject: false })).exitCode === 0;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sscs-reqfile-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.skipIf(!pipCan)('a requirements file, read as pip 23.0.1 reads it', () => {
  it('sees the sources and nested files pip sees, line by line', async () => {
    const paths: string[] = [];
    for (const [i, [, text]] of CASES.entries()) {
      paths.push(join(dir, `case-${i}.txt`));
      await writeFile(paths[i]!, text);
    }
    const r = await execa(PYTHON, ['-c', PIP_READS, ...paths], { env: { ...ENV, PATH: '/usr/bin:/bin' }, extendEnv: false });
    const pip = JSON.parse(r.stdout) as { line: number; args?: string; error?: true; opts?: Record<string, unknown> }[][];
    for (const [i, [name, text]] of CASES.entries()) {
      const ours = requirementLines(Buffer.from(text), name, ENV);
      const theirs = pip[i]!;
      expect(ours.map((l) => l.line), name).toEqual(theirs.map((l) => l.line));
      for (const [k, line] of theirs.entries()) {
        if (line.error) continue; // pip stops on this line before installing anything
        const opts: Record<string, unknown> = {};
        for (const w of ours[k]!.options) {
          const dest = w.option && DEST[w.option];
          if (!dest) continue;
          if (LISTS.has(dest)) ((opts[dest] ??= []) as unknown[]).push(w.value);
          else opts[dest] = w.value ?? true;
        }
        expect({ args: ours[k]!.args, opts }, `${name}, line ${line.line}`).toEqual({ args: line.args, opts: line.opts });
      }
    }
  });
});

describe('firewall run refuses what pip would read as a source in a requirements file', () => {
  const check = async (files: Record<string, string>, env: Record<string, string> = {}) => {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return checkPythonSources(dir, ['pip', 'install', '-r', 'requirements.txt'], env).then(() => 'ok', (e: Error & { where?: { file: string; line?: number } }) => `${e.where?.file}:${e.where?.line}: ${e.message}`);
  };

  it('an abbreviated or aliased option', async () => {
    expect(await check({ 'requirements.txt': 'tiny-lib==1.0\n--find-link ./wheels\n' })).toMatch(/^requirements\.txt:2: names a package source \(--find-link: pip's --find-links\)/);
    expect(await check({ 'requirements.txt': '--extra=http://127.0.0.1:9/simple\n' })).toMatch(/requirements\.txt:1: names a package source \(--extra: pip's --extra-index-url\)/);
    expect(await check({ 'requirements.txt': '--pypi-url http://127.0.0.1:9/simple\n' })).toMatch(/pip's --index-url/);
    expect(await check({ 'requirements.txt': '--no-ind\n' })).toMatch(/pip's --no-index/);
    expect(await check({ 'requirements.txt': '--trusted 127.0.0.1\n' })).toMatch(/pip's --trusted-host/);
  });
  it('in nested -r and -c files, however they are named', async () => {
    const nested = { 'deep.txt': '-fwheels\n' };
    for (const line of ['-r more.txt', '-rmore.txt', '--requirement=more.txt', '--req more.txt', '-c more.txt', '--co more.txt', '--constr=more.txt', 'x==1 -r more.txt']) {
      expect(await check({ ...nested, 'more.txt': '-r deep.txt\n', 'requirements.txt': `${line}\n` }), line).toMatch(/^deep\.txt:1: names a package source \(-fwheels: pip's --find-links\)/);
    }
  });
  it('hidden by pip\'s own line handling: a carriage return, a quoted word, a variable', async () => {
    expect(await check({ 'requirements.txt': 'flask==2 # pinned\r--find-links ./w\n' })).toMatch(/requirements\.txt:2: names a package source/);
    expect(await check({ 'requirements.txt': '-r x.txt "--find-links=./w"\n' })).toMatch(/requirements\.txt:1: names a package source/);
    expect(await check({ 'requirements.txt': '${PIP_OPTS}\n' }, { PIP_OPTS: '--find-links=./w' })).toMatch(/requirements\.txt:1: names a package source/);
    expect(await check({ 'requirements.txt': '${PIP_OPTS}\n' })).toBe('ok');
  });
  it('an encoding it does not read, and options pip could not split', async () => {
    expect(await check({ 'requirements.txt': '# coding: utf-7\nx==1\n' })).toMatch(/requirements\.txt:undefined: cannot be read as pip reads it: it declares the encoding "utf-7"/);
    expect(await check({ 'requirements.txt': 'x==1\n-r "a.txt\n' })).toMatch(/requirements\.txt:2: cannot be read as pip reads it: an unclosed quote/);
  });
  it('a local project named in it (./proj, -e ./proj): a direct reference in its pyproject.toml', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'proj'), { recursive: true });
    await writeFile(join(dir, 'proj', 'pyproject.toml'), '[project]\nname = "proj"\nversion = "1"\ndependencies = ["tiny-lib @ https://example.invalid/tiny_lib-1.0.0-py3-none-any.whl"]\n');
    for (const line of ['./proj', '-e ./proj', '--editable=./proj[extra]', 'x==1\n-r more.txt']) {
      expect(await check({ 'more.txt': '-e proj\n', 'requirements.txt': `${line}\n` }), line).toMatch(/^(?:\.\/)?proj\/pyproject\.toml:undefined: names a package by direct reference/);
    }
  });

  it('lets plain requirements, hashes and comments through', async () => {
    expect(await check({ 'requirements.txt': 'tiny-lib==1.0 --hash=sha256:0000 \\\n  --hash=sha256:1111\n# --find-links ./w\n--require-hashes\n--only-binary :all:\n--prefer-binary\n--pre\n' })).toBe('ok');
  });
});
