import { readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';
import { decodeUtf8, isInside, parseJson, readFileIfExists } from '../io/files.js';
import { MAX_WORKSPACES, type Limits } from './limits.js';
import { fieldError, isRecord, optionalString, stringMap } from './positions.js';

/** The parts of a package.json that decide what is direct, dev or prod. */
export interface Manifest {
  file: string;
  name?: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  workspaces: string[];
}

/** Reads the package.json beside a lockfile; undefined when there is none. */
export async function readManifestBeside(lockfile: string, limits: Limits): Promise<Manifest | undefined> {
  return readManifest(join(dirname(lockfile), 'package.json'), limits);
}

export async function readManifest(file: string, limits: Limits): Promise<Manifest | undefined> {
  const bytes = await readFileIfExists(file, limits.maxBytes, 'package.json');
  if (!bytes) return undefined;
  const text = decodeUtf8(bytes, file, 'package.json');
  const doc = parseJson(text, { file }, 'package.json');
  if (!isRecord(doc)) throw fieldError(file, '$', 'package.json must be a JSON object', 1);
  const ws = doc.workspaces;
  const patterns = Array.isArray(ws) ? ws : isRecord(ws) && Array.isArray(ws.packages) ? ws.packages : [];
  if (patterns.some((p) => typeof p !== 'string')) throw fieldError(file, 'workspaces', 'workspaces must be a list of strings');
  const m: Manifest = {
    file,
    dependencies: stringMap(doc.dependencies, file, 'dependencies'),
    devDependencies: stringMap(doc.devDependencies, file, 'devDependencies'),
    optionalDependencies: stringMap(doc.optionalDependencies, file, 'optionalDependencies'),
    workspaces: patterns as string[],
  };
  const name = optionalString(doc.name, file, 'name');
  if (name !== undefined) m.name = name;
  return m;
}

/**
 * The workspace folders a root manifest names, relative to its folder with `/` separators. Patterns may use
 * `*` within a path segment (`packages/*`, `apps/app-*`); a pattern that leaves the root is refused.
 */
export async function expandWorkspaces(root: Manifest): Promise<string[]> {
  const base = dirname(resolve(root.file));
  const found = new Set<string>();
  for (const pattern of root.workspaces) {
    if (pattern.startsWith('!')) continue;
    let dirs = [base];
    for (const segment of pattern.split('/').filter((s) => s && s !== '.')) {
      const next: string[] = [];
      for (const dir of dirs) {
        if (!segment.includes('*')) {
          next.push(join(dir, segment));
          continue;
        }
        const re = new RegExp(`^${segment.split('*').map(escapeRegExp).join('[^/]*')}$`);
        const names = await readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const d of names) if (d.isDirectory() && d.name !== 'node_modules' && re.test(d.name)) next.push(join(dir, d.name));
      }
      dirs = next;
    }
    for (const dir of dirs) {
      if (!isInside(base, dir)) throw new InputError('PATH_ESCAPE', `workspace '${pattern}' is outside ${base}`, { where: { file: root.file, field: 'workspaces' } });
      if (dir !== base) found.add(relative(base, dir).split(sep).join('/'));
      if (found.size > MAX_WORKSPACES) throw new InputError('LIMIT', `more than ${MAX_WORKSPACES} workspaces`, { where: { file: root.file, field: 'workspaces' } });
    }
  }
  return [...found].sort();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
