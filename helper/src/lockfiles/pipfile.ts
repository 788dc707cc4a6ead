import { pep503 } from '../ecosystems/pypi.js';
import { InputError } from '../errors.js';
import { parseJson } from '../io/files.js';
import type { Limits } from './limits.js';
import { fieldError, isRecord, jsonLineOf } from './positions.js';
import type { PythonManifest } from './pyproject.js';
import { pythonOrigin, vcsLocation } from './python-source.js';
import { checkedVcsLocation } from './vcs-url.js';
import { TreeBuilder, type LockNode, type LockTree } from './tree.js';

const SECTIONS = [
  ['default', false],
  ['develop', true],
] as const;

/**
 * Pipenv's lockfile (Pipfile.lock, JSON, pipfile-spec 6; pipenv's docs "Pipfile & Pipfile.lock"): `default`
 * (prod) and `develop` (dev) maps of name -> `{ version: "==x", hashes, markers, index }` or a VCS (`git`, `ref`),
 * file or path entry. It records no graph, so the Pipfile beside it says which packages are direct; without it,
 * every package counts as direct.
 */
export function parsePipfileLock(text: string, file: string, limits: Limits, manifest: PythonManifest | undefined): LockTree {
  const doc = parseJson(text, { file }, 'Pipfile.lock');
  if (!isRecord(doc) || !isRecord(doc._meta)) throw fieldError(file, '_meta', 'not a Pipfile.lock (no _meta)', jsonLineOf(text, '_meta'));
  const b = new TreeBuilder(file, limits, 'pypi');
  const indexes = sourcesOf(doc._meta);
  const direct = manifest ? new Set([...manifest.dependencies, ...manifest.dev]) : undefined;
  if (!manifest) b.warn('no Pipfile beside it: every package counted as a direct dependency');
  for (const [section, dev] of SECTIONS) {
    const entries = doc[section];
    if (entries === undefined) continue;
    if (!isRecord(entries)) throw fieldError(file, section, `${section} must be an object`, jsonLineOf(text, section));
    for (const [rawName, e] of Object.entries(entries)) {
      const field = `${section}.${rawName}`;
      if (!isRecord(e)) throw fieldError(file, field, `${field} must be an object`, jsonLineOf(text, rawName));
      const name = pep503(rawName);
      const node = readEntry(name, e, file, field, () => jsonLineOf(text, rawName));
      if (!node) {
        b.warn(`${field}: path ${JSON.stringify(e.path)} is the project itself (first-party code): not listed as a package`);
        continue;
      }
      // `"index": "<name>"` names one of _meta.sources: index.ts makes a package from another index than pypi.org a url package.
      if (!node.source && typeof e.index === 'string') node.resolved = indexes.get(e.index) ?? `unknown-index:${e.index}`;
      const have = b.nodes.get(node.id);
      if (have) {
        // In both sections: installed for production.
        if (!dev) delete have.dev;
        continue;
      }
      if (dev) node.dev = true;
      node.direct = direct ? direct.has(name) : true;
      b.add(node);
    }
  }
  return b.build('input', { graphless: true });
}

function readEntry(name: string, e: Record<string, unknown>, file: string, field: string, line: () => number | undefined): Omit<LockNode, 'edges'> | undefined {
  const str = (k: string) => {
    const v = e[k];
    if (v !== undefined && typeof v !== 'string') throw fieldError(file, `${field}.${k}`, `${field}.${k} must be a string`, line());
    return v as string | undefined;
  };
  const hashes = e.hashes;
  if (hashes !== undefined && (!Array.isArray(hashes) || !hashes.every((h) => typeof h === 'string'))) throw fieldError(file, `${field}.hashes`, `${field}.hashes must be a list of strings`, line());
  const markers = str('markers');
  const base = { name, ...(hashes?.length ? { hashes: [...new Set((hashes as string[]).map((h) => h.toLowerCase()))].sort() } : {}), ...(markers ? { markers } : {}) };
  const version = str('version');
  for (const vcs of ['git', 'hg', 'svn', 'bzr']) {
    const url = str(vcs);
    if (url) {
      const location = checkedVcsLocation(vcsLocation(vcs, url, str('ref')), 'pypi', { file, field: `${field}.${vcs}`, line: line() });
      return { ...base, id: `${name}#git:${location}`, version: version?.replace(/^===?/, '') ?? '', source: 'git', resolved: location };
    }
  }
  const path = str('path') ?? str('file');
  if (path) {
    // A local folder (`{"path": "./pkg", "editable": true}`) is built and installed from whatever is there: a
    // `file` package named after its entry, as requirements.txt's folders are. Only the project itself is not.
    const origin = pythonOrigin(path);
    if (origin === 'local' && isProjectFolder(path)) return undefined;
    const source = origin === 'local' ? 'file' : origin;
    return { ...base, id: `${name}#${source}:${path}`, version: version?.replace(/^===?/, '') ?? '', source, resolved: path };
  }
  if (!version || !/^===?[^=<>~!*,\s]+$/.test(version)) {
    throw new InputError('SCHEMA', `${field}.version must pin one version (==x), not ${JSON.stringify(version)}`, { where: { file, field: `${field}.version`, ...lineOpt(line()) } });
  }
  return { ...base, id: `${name}@${version.replace(/^===?/, '')}`, version: version.replace(/^===?/, '') };
}

/** Whether a `path` entry names the folder of the Pipfile itself (`.`, `./`, `file:.`): the project, a root. */
function isProjectFolder(path: string): boolean {
  return path.trim().replace(/^file:/i, '').split('/').every((part) => part === '' || part === '.');
}

/** `_meta.sources`: `[{ name, url, verify_ssl }]`, by name. */
function sourcesOf(meta: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(meta.sources)) return out;
  for (const s of meta.sources) if (isRecord(s) && typeof s.name === 'string' && typeof s.url === 'string') out.set(s.name, s.url);
  return out;
}

function lineOpt(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}
