import { realpath } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { pep503 } from '../ecosystems/pypi.js';
import { InputError } from '../errors.js';
import { decodeUtf8, isInside, readFileBounded } from '../io/files.js';
import type { Limits } from './limits.js';
import { MAX_REQUIREMENT_INCLUDES, MAX_REQUIREMENT_INCLUDE_DEPTH } from './limits.js';
import { fieldError } from './positions.js';
import { withoutCredentials } from './source.js';
import { parseRequirement, RequirementError, type RequirementSpec } from './requirement-spec.js';
import { logicalLines, type LogicalLine } from './requirements-lines.js';
import { TreeBuilder, type LockNode, type LockTree } from './tree.js';

/** Options that take a value, as pip's req_file.py defines them; the value may follow `=` or a space. */
const VALUE_OPTIONS = new Set([
  '-i', '--index-url', '--extra-index-url', '-f', '--find-links', '--trusted-host', '--no-binary', '--only-binary',
  '--use-feature', '--config-settings', '--global-option', '--hash', '-c', '--constraint', '-r', '--requirement', '-e', '--editable',
]);
const FLAG_OPTIONS = new Set(['--no-index', '--pre', '--prefer-binary', '--require-hashes', '--no-deps']);
/** pip's hash algorithms (`--hash=sha256:<hex>`), with the length of their hex digest. */
const HASH_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** Options that send pip to another index or file location than pypi.org. */
const INDEX_OPTIONS = new Set(['-i', '--index-url', '--extra-index-url', '-f', '--find-links']);

interface IndexOption {
  opt: string;
  value: string;
  file: string;
  line: number;
}

interface Entry {
  spec: RequirementSpec;
  hashes: string[];
  editable: boolean;
  file: string;
  line: number;
  via?: string[];
}

export interface RequirementsContext {
  /** Where `-r` includes must stay (after symbolic links are resolved). */
  root: string;
  /** The file as given, absolute. */
  path: string;
}

/**
 * A pip requirements file, as pip-compile (`--generate-hashes`), `uv pip compile`, `pip freeze` or a person
 * writes it: pinned `==` requirements with their `--hash` options, `-r` includes (read, bounded in number and
 * depth, never outside the project root, each once), `-e` editables, environment markers (kept), VCS URLs, direct
 * URLs and local paths as their own source kinds (a project folder is first-party code, a root). A requirement
 * that pins no version is reported as unpinned, not guessed. pip-compile's `# via` annotations give the graph
 * (a package `via -r file` or `via name (pyproject.toml)` is direct); without them every package counts as direct.
 * `-c` constraints add no packages and are not read. Errors name the file and line.
 */
export async function parseRequirementsFile(text: string, shown: string, limits: Limits, ctx: RequirementsContext): Promise<LockTree> {
  const b = new TreeBuilder(shown, limits, 'pypi');
  const entries: Entry[] = [];
  const indexes: IndexOption[] = [];
  const seen = new Set<string>();
  let bytes = Buffer.byteLength(text);

  const readOne = async (body: string, file: string, abs: string, depth: number): Promise<void> => {
    for (const l of logicalLines(body)) {
      const include = includeTarget(l, file);
      if (include) {
        if (include.kind === 'constraint') continue;
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(include.target)) {
          throw new InputError('INPUT', `-r ${include.target}: includes over the network are not read; list the file in the project instead`, { where: { file, line: l.line } });
        }
        const target = resolve(dirname(abs), include.target);
        const shownTarget = relative(dirname(ctx.path), target) || target;
        if (depth + 1 > MAX_REQUIREMENT_INCLUDE_DEPTH) throw new InputError('LIMIT', `-r includes nest deeper than ${MAX_REQUIREMENT_INCLUDE_DEPTH} levels`, { where: { file, line: l.line } });
        const real = await realpath(target).catch((e: unknown) => {
          throw new InputError('FILE_NOT_FOUND', `-r ${include.target}: included file not found`, { where: { file, line: l.line }, cause: e });
        });
        if (!isInside(ctx.root, real)) throw new InputError('PATH_ESCAPE', `-r ${include.target} is outside ${ctx.root}`, { where: { file, line: l.line } });
        if (seen.has(real)) continue;
        seen.add(real);
        if (seen.size > MAX_REQUIREMENT_INCLUDES) throw new InputError('LIMIT', `more than ${MAX_REQUIREMENT_INCLUDES} requirement files included`, { where: { file, line: l.line } });
        const buf = await readFileBounded(real, limits.maxBytes - bytes, 'included requirements file');
        bytes += buf.length;
        await readOne(decodeUtf8(buf, shownTarget, 'requirements file'), shownTarget, real, depth + 1);
        continue;
      }
      const entry = readLine(l, file, indexes);
      if (entry) entries.push(entry);
    }
  };
  seen.add(await realpath(ctx.path).catch(() => ctx.path));
  await readOne(text, shown, ctx.path, 0);
  const index = reportIndexes(b, indexes);
  return buildTree(b, entries, index);
}

function includeTarget(l: LogicalLine, file: string): { kind: 'requirement' | 'constraint'; target: string } | undefined {
  const m = /^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^-\s]))(\S+)\s*$/.exec(l.text);
  if (!m) {
    if (/^(-r|--requirement|-c|--constraint)\s*$/.test(l.text)) throw fieldError(file, l.text, `${l.text} needs a file name`, l.line);
    return undefined;
  }
  return { kind: m[1] === '-c' || m[1] === '--constraint' ? 'constraint' : 'requirement', target: m[2]! };
}

/** One logical line: a requirement with its options, or an option line (index settings: no package). */
function readLine(l: LogicalLine, file: string, indexes: IndexOption[]): Entry | undefined {
  const tokens = tokenize(l.text);
  const hashes: string[] = [];
  let editable = false;
  let requirement: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!t.startsWith('-') || requirement.length > 0 && !t.startsWith('--')) {
      requirement.push(t);
      continue;
    }
    const eq = t.indexOf('=');
    const opt = eq > 0 ? t.slice(0, eq) : t;
    if (FLAG_OPTIONS.has(opt)) continue;
    if (!VALUE_OPTIONS.has(opt)) throw fieldError(file, opt, `unknown option ${opt} (pip would refuse this file)`, l.line);
    const value = eq > 0 ? t.slice(eq + 1) : tokens[++i];
    if (value === undefined) throw fieldError(file, opt, `${opt} needs a value`, l.line);
    if (opt === '--hash') hashes.push(checkHash(value, file, l.line));
    else if (INDEX_OPTIONS.has(opt)) indexes.push({ opt, value, file, line: l.line });
    else if (opt === '-e' || opt === '--editable') {
      editable = true;
      requirement = [value];
    }
  }
  if (requirement.length === 0) {
    if (hashes.length > 0) throw fieldError(file, '--hash', '--hash applies to a requirement, and this line has none', l.line);
    return undefined;
  }
  let spec: RequirementSpec;
  try {
    spec = parseRequirement(requirement.join(' '));
  } catch (e) {
    if (!(e instanceof RequirementError)) throw e;
    throw new InputError('SCHEMA', e.message, { where: { file, line: l.line }, cause: e });
  }
  return { spec, hashes, editable, file, line: l.line, ...(l.via ? { via: l.via } : {}) };
}

/** Splits on whitespace, keeping a marker's quoted strings whole. */
function tokenize(text: string): string[] {
  return text.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
}

/**
 * pip refuses one project pinned to two versions under the same environment marker ("Double requirement given";
 * its resolver: "Cannot install x==1 and x==2"), whatever the spelling of the name (PEP 503) or the file.
 */
function checkDouble(pins: Map<string, Entry>, name: string, e: Entry): void {
  const key = `${name}\0${e.spec.marker ?? ''}`;
  const first = pins.get(key);
  if (!first) {
    pins.set(key, e);
    return;
  }
  if (first.spec.pinned === e.spec.pinned) return;
  throw new InputError('SCHEMA', `${name} is pinned twice: ==${first.spec.pinned} at ${first.file}:${first.line} and ==${e.spec.pinned} at ${e.file}:${e.line} (pip refuses a double requirement)`, { where: { file: e.file, line: e.line } });
}

/** The PEP 503 name of a local folder from its last path component; undefined for `.` and `..`. */
function folderName(location: string): string | undefined {
  const path = location.replace(/^file:(?:\/\/[^/]*)?/i, '').split(/[?#]/, 1)[0]!.replace(/(?<!\/)\/+$/, '');
  const last = path.split('/').pop() ?? '';
  if (!last || last === '.' || last === '..' || !/^[A-Za-z0-9]/.test(last)) return undefined;
  return pep503(last);
}

function checkHash(value: string, file: string, line: number): string {
  const m = /^([a-z0-9]+):([0-9a-f]+)$/i.exec(value);
  const alg = m?.[1]!.toLowerCase();
  if (!m || !alg || HASH_HEX_LENGTH[alg] !== m[2]!.length) {
    throw fieldError(file, '--hash', `--hash=${value} is not <algorithm>:<hex digest> with sha256, sha384 or sha512`, line);
  }
  return `${alg}:${m[2]!.toLowerCase()}`;
}

/**
 * Index options are reported (their URLs without credentials): `--extra-index-url` and `--find-links` let pip
 * take any package from there instead of pypi.org. Returns the `--index-url` pip would use (the last one), which
 * index.ts compares with pypi.org and the configured index: another one makes every index package a url package.
 */
function reportIndexes(b: TreeBuilder, indexes: IndexOption[]): string | undefined {
  let index: string | undefined;
  for (const i of indexes) {
    const shown = withoutCredentials(i.value);
    if (i.opt === '-i' || i.opt === '--index-url') {
      index = i.value;
      b.warn(`${i.file}:${i.line}: ${i.opt} ${shown}: packages are taken from this index`);
    } else b.warn(`${i.file}:${i.line}: ${i.opt} ${shown}: pip may take any package from here instead of the index (their sources are not known here)`);
  }
  return index;
}

function buildTree(b: TreeBuilder, entries: Entry[], index?: string): LockTree {
  const root = b.add({ id: '\0root', name: 'root', version: '', local: true });
  const byName = new Map<string, LockNode[]>();
  const placed: { node: LockNode; entry: Entry }[] = [];
  const pins = new Map<string, Entry>();
  for (const e of entries) {
    const { spec } = e;
    const where = `${e.file}:${e.line}`;
    let local = spec.location?.origin === 'local' ? spec.location.url : undefined;
    let name = spec.name;
    if (local !== undefined) {
      // A folder or a `file:` URL that is no archive (`./lib`, `-e ./pkg`, `foo @ file:///x`): pip builds and
      // installs whatever is there, so it is listed, as a `file` package (no index facts apply to it). The
      // project itself (`-e .`) is first-party code and the root.
      name ??= folderName(local);
      if (!name) {
        b.warn(`${where}: ${local} is the project itself (first-party code): not listed as a package`);
        continue;
      }
      if (!spec.name) b.warn(`${where}: ${local} is a local folder; listed as '${name}' from its path`);
    }
    if (!name) {
      b.warn(`${where}: ${spec.location!.url} names no project (add #egg=name): skipped`);
      continue;
    }
    if (!spec.location && spec.pinned === undefined) {
      b.unpinned.push({ name, requirement: `${name}${spec.specifier ? ` ${spec.specifier}` : ''}${spec.marker ? ` ; ${spec.marker}` : ''}`, file: e.file, line: e.line });
      continue;
    }
    const source = local !== undefined ? 'file' : spec.location ? (spec.location.origin as Exclude<typeof spec.location.origin, 'local'>) : undefined;
    const version = spec.pinned ?? '';
    if (!spec.location && spec.pinned !== undefined) checkDouble(pins, name, e);
    const id = source ? `${name}@${version}#${source}:${spec.location!.url}` : `${name}@${version}`;
    const node = b.add({ id, name, version, direct: true, ...(source ? { source, resolved: spec.location!.url } : index ? { resolved: index } : {}) });
    if (e.hashes.length) node.hashes = [...new Set([...(node.hashes ?? []), ...e.hashes])].sort();
    if (spec.marker) node.markers = spec.marker;
    byName.set(name, [...(byName.get(name) ?? []), node]);
    placed.push({ node, entry: e });
  }
  if (b.unpinned.length) b.warn(`${b.unpinned.length} requirement(s) pin no version, so they are not checked: ${b.unpinned.slice(0, 5).map((u) => u.requirement).join(', ')}${b.unpinned.length > 5 ? ', ...' : ''}`);
  const annotated = placed.some((p) => p.entry.via !== undefined);
  if (!annotated) return b.build('input', { graphless: true });
  // pip-compile's graph: `# via x` means x requires this package; `-r file`, `-c file` or `name (pyproject.toml)` mean the project does.
  for (const { node, entry } of placed) {
    const parents = (entry.via ?? []).flatMap((v) => (/^-[rc]\s|\(|^--/.test(v) ? [] : (byName.get(v.replace(/[-_.]+/g, '-').toLowerCase()) ?? [])));
    const declared = entry.via === undefined || entry.via.some((v) => /^-[rc]\s|\(|^--/.test(v));
    if (declared || parents.length === 0) b.edge(root, { to: node.id, as: node.name, kind: 'prod' });
    for (const p of parents) if (p !== node) b.edge(p, { to: node.id, as: node.name, kind: 'prod' });
  }
  return b.build('graph');
}
