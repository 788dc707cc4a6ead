/**
 * The oldest Node.js the helper runs on: node:sqlite unflagged (the firewall store), Set methods such as
 * `union` (used by dependencies), and the rest of what package.json's `engines` promises. Checked by the CLI
 * entry point before any command module loads, so an older Node gets one line, not a stack trace.
 */
export const MIN_NODE_VERSION = '22.22.0';

function parts(v: string): number[] {
  return v.replace(/^v/, '').split(/[.-]/, 3).map((x) => Number.parseInt(x, 10) || 0);
}

/** The message for a Node.js older than MIN_NODE_VERSION; undefined when this one is new enough. */
export function nodeTooOld(version: string): string | undefined {
  const have = parts(version);
  const need = parts(MIN_NODE_VERSION);
  for (let i = 0; i < 3; i++) {
    if (have[i]! > need[i]!) return undefined;
    if (have[i]! < need[i]!) return `sscs needs Node.js ${MIN_NODE_VERSION} or newer; this is Node.js ${version.replace(/^v/, '')}`;
  }
  return undefined;
}
