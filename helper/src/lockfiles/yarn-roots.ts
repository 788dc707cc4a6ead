import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import { isInside } from '../io/files.js';
import type { Manifest } from './manifest.js';
import { isRecord } from './positions.js';
import type { EdgeKind, LockNode, TreeBuilder } from './tree.js';
import type { YarnContext } from './yarn.js';

const NO_MANIFEST = 'no package.json beside the lockfile: yarn.lock does not record dev dependencies, so every package counts as prod';

interface RootsInput {
  berry: boolean;
  doc: Record<string, unknown>;
  builder: TreeBuilder;
  ctx: YarnContext;
  file: string;
  link(from: LockNode, name: string, range: string, kind: EdgeKind): void;
  readWorkspace(rel: string): Promise<Manifest | undefined>;
  expandWorkspaces(root: Manifest): Promise<string[]>;
}

/**
 * The edges out of the root project and its workspaces. Berry lists workspaces in the lockfile (with dev and
 * prod dependencies merged); classic does not list them at all. Either way, package.json says which are dev.
 */
export async function yarnRoots(input: RootsInput): Promise<void> {
  if (input.berry) await berryRoots(input);
  else await classicRoots(input);
}

async function berryRoots({ doc, builder: b, ctx, link, readWorkspace, file }: RootsInput): Promise<void> {
  if (!ctx.manifest) b.warn(NO_MANIFEST);
  for (const node of b.nodes.values()) {
    const raw = doc[node.id];
    if (!node.local || !isRecord(raw)) continue;
    const resolution = String(raw.resolution ?? '');
    const at = resolution.indexOf('@workspace:');
    const rel = at > 0 ? resolution.slice(at + '@workspace:'.length) : undefined;
    const manifest = rel === '.' ? ctx.manifest : rel !== undefined && ctx.manifest ? await readInside(ctx, rel, file, readWorkspace) : undefined;
    if (rel !== undefined && rel !== '.' && ctx.manifest && !manifest) b.warn(`no package.json for workspace ${rel}: its dependencies count as prod`);
    const optional = new Set(Object.keys(manifest?.optionalDependencies ?? {}));
    if (isRecord(raw.dependenciesMeta)) {
      for (const [n, m] of Object.entries(raw.dependenciesMeta)) if (isRecord(m) && m.optional === true) optional.add(n);
    }
    const deps = isRecord(raw.dependencies) ? raw.dependencies : {};
    for (const [name, range] of Object.entries(deps)) {
      if (typeof range !== 'string') continue;
      link(node, name, range, optional.has(name) ? 'optional' : manifest ? kindIn(manifest, name) : 'prod');
    }
  }
}

async function classicRoots({ builder: b, ctx, link, readWorkspace, expandWorkspaces, file }: RootsInput): Promise<void> {
  const root = b.add({ id: 'workspace:.', name: ctx.manifest?.name ?? 'root', version: '', local: true });
  if (!ctx.manifest) {
    b.warn(`${NO_MANIFEST}, and every package no other package depends on counts as direct`);
    b.rootUndepended(root);
    return;
  }
  const projects: [LockNode, Manifest][] = [[root, ctx.manifest]];
  for (const rel of await expandWorkspaces(ctx.manifest)) {
    const m = await readInside(ctx, rel, file, readWorkspace);
    if (!m) continue;
    projects.push([b.add({ id: `workspace:${rel}`, name: m.name ?? rel, version: '', local: true }), m]);
  }
  const workspaceByName = new Map(projects.map(([n, m]) => [m.name ?? n.id, n]));
  for (const [node, m] of projects) {
    const all = { ...m.devDependencies, ...m.dependencies, ...m.optionalDependencies };
    for (const [name, range] of Object.entries(all)) {
      const ws = workspaceByName.get(name);
      if (ws && ws !== node) {
        b.edge(node, { to: ws.id, as: name, kind: kindIn(m, name) });
        continue;
      }
      link(node, name, range, kindIn(m, name));
    }
  }
}

function kindIn(m: Manifest, name: string): EdgeKind {
  if (name in m.optionalDependencies) return 'optional';
  if (name in m.dependencies) return 'prod';
  return name in m.devDependencies ? 'dev' : 'prod';
}

async function readInside(ctx: YarnContext, rel: string, file: string, read: (rel: string) => Promise<Manifest | undefined>): Promise<Manifest | undefined> {
  if (!isInside(resolve(ctx.dir), resolve(ctx.dir, rel))) {
    throw new InputError('PATH_ESCAPE', `workspace '${rel}' is outside the lockfile's folder`, { where: { file } });
  }
  return read(rel);
}
