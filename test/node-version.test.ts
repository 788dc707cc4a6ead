import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { BUNDLE, CLI, REPO_ROOT } from './support/cli.js';
import { MIN_NODE_VERSION, nodeTooOld } from '../helper/src/node-version.js';

/** A Node.js older than the one the helper needs, when the machine has one (Debian's /usr/bin/node is 20). */
async function olderNode(): Promise<string | undefined> {
  for (const candidate of ['/usr/bin/node', '/bin/node', '/usr/local/bin/node']) {
    const r = await execa(candidate, ['--version'], { reject: false });
    if (r.exitCode === 0 && nodeTooOld(r.stdout.trim())) return candidate;
  }
  return undefined;
}
const OLD_NODE = await olderNode();

describe('Node.js version', () => {
  it('package.json engines asks for the version the CLI checks', () => {
    const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${MIN_NODE_VERSION}`);
  });

  it.each([
    ['20.20.2', true],
    ['22.21.9', true],
    ['v22.22.0', false],
    ['22.23.5', false],
    ['24.0.0', false],
  ])('nodeTooOld(%s) -> %s', (v, old) => {
    expect(nodeTooOld(v) !== undefined).toBe(old);
  });

  it.skipIf(!OLD_NODE).each([
    ['firewall', 'quarantine', 'list'],
    ['policy', 'check', 'package-lock.json'],
    ['verify', 'x', '--bundle', 'y'],
    ['--version'],
  ])('on an older Node, `sscs %s ...` exits 2 with one line naming the version needed (tsc build and bundle)', async (...args) => {
    for (const entry of [CLI, BUNDLE]) {
      const r = await execa(OLD_NODE!, [entry, ...args], { reject: false, env: { SSCS_DEBUG: '' } });
      expect(r.exitCode, entry).toBe(2);
      expect(r.stderr, entry).toMatch(new RegExp(`^sscs: error: sscs needs Node\\.js ${MIN_NODE_VERSION.replace(/\./g, '\\.')} or newer; this is Node\\.js \\d+\\.\\d+\\.\\d+$`));
      expect(r.stdout).toBe('');
    }
  });
});
