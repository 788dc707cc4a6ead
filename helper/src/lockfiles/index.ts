import { dirname, resolve } from 'node:path';
import { isInside } from '../io/files.js';
import type { DependencyGraph, ResolvedPackage } from '../deps/model.js';
import { decodeUtf8, readFileBounded } from '../io/files.js';
import { parseCycloneDx } from './cyclonedx.js';
import { detectFormat, type InputFormat } from './detect.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { readManifestBeside } from './manifest.js';
import { mergePackages } from './merge.js';
import { parseNpmLockfile } from './npm-lock.js';
import { parsePnpmLockfile } from './pnpm.js';
import { resolveTree } from './resolve.js';
import { pinRegistryOrigins } from './source.js';
import { pinPythonIndexes } from './python-source.js';
import type { LockTree } from './tree.js';
import { parseYarnLockfile } from './yarn.js';
import { parsePipfileLock } from './pipfile.js';
import { parsePoetryLock } from './poetry.js';
import { readPipfileBeside, readPyprojectBeside } from './pyproject.js';
import { parsePylock } from './pylock.js';
import { parseRequirementsFile } from './requirements.js';
import { parseUvLock } from './uv.js';

export type { InputFormat } from './detect.js';

export interface ReadOptions {
  /** Relative paths resolve against it; defaults to the process's working directory. */
  cwd?: string;
  limits?: Partial<Limits>;
  /**
   * The project's registries (base URLs). When given, a registry-shaped `resolved` on any other host makes the
   * package a `url` package (see pinRegistryOrigins); absent, the shape alone decides.
   */
  registries?: readonly string[];
  /** The configured Python index (base URL; `PIP_INDEX_URL`): besides pypi.org, where a PyPI package may come from. */
  pypiIndex?: string;
}

/**
 * Reads every dependency input (npm, pnpm and yarn lockfiles; requirements.txt, pylock.toml, uv.lock, poetry.lock
 * and Pipfile.lock; CycloneDX JSON SBOMs with npm or pypi purls) into one resolved graph: one entry per
 * ecosystem, name and version across all inputs, so a polyglot monorepo with several lockfiles is checked as one.
 * Requirements that pin no version are listed in `unpinned`. Throws InputError for an unknown format or malformed
 * input, naming the file, line and field.
 */
export async function readDependencyInputs(paths: string[], opts: ReadOptions = {}): Promise<DependencyGraph> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const lists: ResolvedPackage[][] = [];
  const warnings: string[] = [];
  const unpinned: NonNullable<DependencyGraph['unpinned']> = [];
  const missing: NonNullable<DependencyGraph['missing']> = [];
  const cwd = resolve(opts.cwd ?? '.');
  for (const p of paths) {
    const tree = await readDependencyInput(resolve(cwd, p), limits, p, cwd);
    const list = resolveTree(tree);
    // The project's npm registries say nothing about where a PyPI package may come from.
    if (opts.registries) pinRegistryOrigins(list.filter((x) => x.ecosystem === 'npm'), opts.registries);
    pinPythonIndexes(list, opts.pypiIndex);
    lists.push(list);
    warnings.push(...tree.warnings);
    for (const u of tree.unpinned ?? []) unpinned.push({ ecosystem: tree.ecosystem, ...u });
    for (const dependency of tree.missing ?? []) missing.push({ file: tree.file, dependency });
  }
  const graph = mergePackages([...paths], lists, warnings);
  if (unpinned.length) graph.unpinned = unpinned;
  if (missing.length) graph.missing = missing;
  return graph;
}

/**
 * Reads one input into its tree. `shown` is how the file is named in the graph and in messages; `root` bounds
 * what the input may pull in (requirements `-r` includes): the working directory when the file is inside it,
 * else the file's own folder.
 */
export async function readDependencyInput(file: string, limits: Limits, shown = file, cwd = process.cwd()): Promise<LockTree & { format: InputFormat }> {
  const text = decodeUtf8(await readFileBounded(file, limits.maxBytes, 'dependency input'), shown, 'dependency input');
  const format = detectFormat(shown, text);
  const root = isInside(cwd, file) ? cwd : dirname(file);
  const tree = await parse(format, text, file, shown, limits, root);
  return { ...tree, format };
}

async function parse(format: InputFormat, text: string, file: string, shown: string, limits: Limits, root: string): Promise<LockTree> {
  switch (format) {
    case 'npm':
      return parseNpmLockfile(text, shown, limits, await manifestFor(text, file, limits));
    case 'pnpm':
      return parsePnpmLockfile(text, shown, limits);
    case 'yarn':
      return parseYarnLockfile(text, shown, limits, { dir: dirname(file), manifest: await readManifestBeside(file, limits) });
    case 'cyclonedx':
      return parseCycloneDx(text, shown, limits);
    case 'requirements':
      return parseRequirementsFile(text, shown, limits, { root, path: file });
    case 'pylock':
      return parsePylock(text, shown, limits);
    case 'uv':
      return parseUvLock(text, shown, limits);
    case 'poetry':
      return parsePoetryLock(text, shown, limits, await readPyprojectBeside(file, limits));
    case 'pipfile':
      return parsePipfileLock(text, shown, limits, await readPipfileBeside(file, limits));
  }
}

/** Only lockfile v1 needs the package.json: v2 and v3 record the root's dependencies themselves. */
async function manifestFor(text: string, file: string, limits: Limits) {
  return /"lockfileVersion"\s*:\s*1\s*[,}]/.test(text.slice(0, 4096)) ? readManifestBeside(file, limits) : undefined;
}
