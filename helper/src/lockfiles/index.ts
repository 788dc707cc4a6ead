import { dirname, resolve } from 'node:path';
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
import type { LockTree } from './tree.js';
import { parseYarnLockfile } from './yarn.js';

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
}

/**
 * Reads every dependency input (npm, pnpm and yarn lockfiles, CycloneDX JSON SBOMs) into one resolved graph:
 * one entry per name@version across all inputs, so a monorepo with several lockfiles is checked as one.
 * Throws InputError for an unknown format or malformed input, naming the file, line and field.
 */
export async function readDependencyInputs(paths: string[], opts: ReadOptions = {}): Promise<DependencyGraph> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const lists: ResolvedPackage[][] = [];
  const warnings: string[] = [];
  for (const p of paths) {
    const tree = await readDependencyInput(resolve(opts.cwd ?? '.', p), limits, p);
    const list = resolveTree(tree);
    if (opts.registries) pinRegistryOrigins(list, opts.registries);
    lists.push(list);
    warnings.push(...tree.warnings);
  }
  return mergePackages([...paths], lists, warnings);
}

/** Reads one input into its tree. `shown` is how the file is named in the graph and in messages. */
export async function readDependencyInput(file: string, limits: Limits, shown = file): Promise<LockTree & { format: InputFormat }> {
  const text = decodeUtf8(await readFileBounded(file, limits.maxBytes, 'dependency input'), shown, 'dependency input');
  const format = detectFormat(shown, text);
  const tree = await parse(format, text, file, shown, limits);
  return { ...tree, format };
}

async function parse(format: InputFormat, text: string, file: string, shown: string, limits: Limits): Promise<LockTree> {
  switch (format) {
    case 'npm':
      return parseNpmLockfile(text, shown, limits, await manifestFor(text, file, limits));
    case 'pnpm':
      return parsePnpmLockfile(text, shown, limits);
    case 'yarn':
      return parseYarnLockfile(text, shown, limits, { dir: dirname(file), manifest: await readManifestBeside(file, limits) });
    case 'cyclonedx':
      return parseCycloneDx(text, shown, limits);
  }
}

/** Only lockfile v1 needs the package.json: v2 and v3 record the root's dependencies themselves. */
async function manifestFor(text: string, file: string, limits: Limits) {
  return /"lockfileVersion"\s*:\s*1\s*[,}]/.test(text.slice(0, 4096)) ? readManifestBeside(file, limits) : undefined;
}
