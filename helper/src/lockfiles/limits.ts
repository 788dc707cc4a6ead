/** Bounds on untrusted dependency inputs, so that a hostile lockfile cannot exhaust memory or the stack. */

/** Largest lockfile or SBOM read, in bytes. Real monorepo lockfiles stay well under 32 MiB. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** Most package entries in one input; the largest public monorepos hold some tens of thousands. */
export const MAX_PACKAGES_PER_INPUT = 200_000;
/** Most dependency edges in one input (about ten per package). */
export const MAX_EDGES_PER_INPUT = 2_000_000;
/** Deepest nesting followed in npm v1 `dependencies` and CycloneDX nested `components`. */
export const MAX_NESTING_DEPTH = 128;
/** Most workspaces read from one package.json. */
export const MAX_WORKSPACES = 2_000;
/** YAML aliases expanded in a pnpm lockfile (pnpm writes none; a billion-laughs file writes many). */
export const MAX_YAML_ALIASES = 100;

export interface Limits {
  maxBytes: number;
  maxPackages: number;
  maxEdges: number;
  maxDepth: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBytes: MAX_INPUT_BYTES,
  maxPackages: MAX_PACKAGES_PER_INPUT,
  maxEdges: MAX_EDGES_PER_INPUT,
  maxDepth: MAX_NESTING_DEPTH,
};

/** Most requirement files one requirements.txt pulls in through `-r` (warehouse's dependabot file includes 7). */
export const MAX_REQUIREMENT_INCLUDES = 256;
/** Deepest chain of `-r` includes followed. */
export const MAX_REQUIREMENT_INCLUDE_DEPTH = 32;
