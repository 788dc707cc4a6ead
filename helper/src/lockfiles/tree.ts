import type { Ecosystem, SourceKind } from '../deps/model.js';
import { InputError } from '../errors.js';
import type { Limits } from './limits.js';

/**
 * What every parser produces for one input: the packages it lists, as nodes, and the dependency edges between
 * them. Local nodes (the root project, workspaces, `link:`/`file:` folders) are the roots of the graph and are
 * not registry packages. `resolve.ts` turns a tree into resolved packages.
 */
export type EdgeKind = 'prod' | 'dev' | 'optional' | 'peer';

export interface LockEdge {
  to: string;
  /** The name the dependent uses; differs from the target's name for an npm alias. */
  as: string;
  kind: EdgeKind;
}

export interface LockNode {
  id: string;
  /** Absent: the tree's ecosystem. A CycloneDX SBOM mixes them. */
  ecosystem?: Ecosystem;
  /** In the ecosystem's normal form (see ResolvedPackage.name). */
  name: string;
  version: string;
  integrity?: string;
  /** Distribution file hashes, `sha256:<hex>` (see ResolvedPackage.hashes). */
  hashes?: string[];
  /** PEP 508 environment marker, as written. */
  markers?: string;
  resolved?: string;
  /** Where the code comes from; absent: a registry. */
  source?: SourceKind;
  /** The root project, a workspace or a local folder: a root of the graph, not a registry package. */
  local?: boolean;
  bundled?: boolean;
  /** What the input itself says about dev/optional, when the tree's `flags` are 'input'. */
  dev?: boolean;
  /** In a graphless tree: whether the project declares it itself. */
  direct?: boolean;
  optional?: boolean;
  edges: LockEdge[];
}

export interface LockTree {
  file: string;
  /** The ecosystem of every node that does not name its own. */
  ecosystem: Ecosystem;
  nodes: Map<string, LockNode>;
  /**
   * 'input': the file records dev/optional per package (npm, pnpm v6, CycloneDX with npm properties) and those
   * flags are used as they are. 'graph': they are computed from reachability from the local nodes.
   */
  flags: 'input' | 'graph';
  /**
   * The input records packages but no edges (Pipfile.lock, a requirements.txt without pip-compile's `# via`
   * annotations, a pylock.toml without `dependencies`): every package is installed, `direct` comes from the node
   * (the manifest beside it, or every package when there is none) and each path is the package alone.
   */
  graphless?: boolean;
  warnings: string[];
  /** Requirements the input names without a version (`requests>=2`): they cannot be checked, so they are reported. */
  unpinned?: UnpinnedRequirement[];
  /** Dependencies a package or the project declares that the lockfile does not lock (`ms@^2 (needed by node_modules/a)`). */
  missing?: string[];
}

export interface UnpinnedRequirement {
  /** When it differs from the input's own (a CycloneDX SBOM holds npm and PyPI components alike). */
  ecosystem?: Ecosystem;
  name: string;
  /** The requirement as written, without hashes and options (`requests>=2.31 ; python_version >= "3.9"`). */
  requirement: string;
  file: string;
  line?: number;
}

/** Builds a tree while counting what it adds against the limits. */
export class TreeBuilder {
  readonly nodes = new Map<string, LockNode>();
  readonly warnings: string[] = [];
  readonly unpinned: UnpinnedRequirement[] = [];
  readonly missing: string[] = [];
  private edgeCount = 0;

  constructor(
    readonly file: string,
    private readonly limits: Limits,
    readonly ecosystem: Ecosystem = 'npm',
  ) {}

  add(node: Omit<LockNode, 'edges'> & { edges?: LockEdge[] }): LockNode {
    const existing = this.nodes.get(node.id);
    if (existing) return existing;
    if (this.nodes.size >= this.limits.maxPackages) {
      throw new InputError('LIMIT', `more than ${this.limits.maxPackages} packages`, { where: { file: this.file } });
    }
    const full: LockNode = { ...node, edges: node.edges ?? [] };
    this.nodes.set(full.id, full);
    return full;
  }

  edge(from: LockNode, edge: LockEdge): void {
    if (++this.edgeCount > this.limits.maxEdges) {
      throw new InputError('LIMIT', `more than ${this.limits.maxEdges} dependency edges`, { where: { file: this.file } });
    }
    from.edges.push(edge);
  }

  warn(message: string): void {
    this.warnings.push(`${this.file}: ${message}`);
  }

  /**
   * Dependencies that must be installed yet are not locked: what an install would resolve at install time, or
   * refuse (npm ci, pnpm --frozen-lockfile). Each is listed in `missing` and, the first five, in a warning.
   */
  notLocked(missing: readonly string[]): void {
    if (missing.length === 0) return;
    this.missing.push(...missing);
    this.warn(`${missing.length} dependenc${missing.length === 1 ? 'y is' : 'ies are'} not in the lockfile: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  }

  /**
   * For an input that records no edges from the project: every package that nothing depends on (and that is not
   * itself local) becomes a direct dependency of `root`, by its name and as prod unless `edgeOf` says otherwise.
   */
  rootUndepended(root: LockNode, edgeOf: (n: LockNode) => { as?: string; kind?: EdgeKind } = () => ({})): void {
    const depended = new Set<string>();
    for (const n of this.nodes.values()) for (const e of n.edges) depended.add(e.to);
    for (const n of [...this.nodes.values()]) {
      if (n.local || depended.has(n.id)) continue;
      const e = edgeOf(n);
      this.edge(root, { to: n.id, as: e.as ?? n.name, kind: e.kind ?? 'prod' });
    }
  }

  build(flags: LockTree['flags'], opts: { graphless?: boolean } = {}): LockTree {
    return {
      file: this.file,
      ecosystem: this.ecosystem,
      nodes: this.nodes,
      flags,
      warnings: this.warnings,
      ...(opts.graphless ? { graphless: true } : {}),
      ...(this.unpinned.length ? { unpinned: this.unpinned } : {}),
      ...(this.missing.length ? { missing: this.missing } : {}),
    };
  }
}
