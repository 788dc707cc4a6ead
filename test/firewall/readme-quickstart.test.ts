/**
 * The README's `firewall run` quick start, run as written (through bash, from the checkout) after its build step,
 * which `npm test` has already done. The one change: SSCS_FIREWALL_UPSTREAM points the firewall at verdaccio, since
 * no test reaches registry.npmjs.org.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/cli.js';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';

const BUILD = 'npm ci && npm run build && ';

/** The sh block that follows the README's `<!-- firewall-run-quick-start -->` marker. */
async function quickStart(): Promise<string[]> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /<!-- firewall-run-quick-start -->\n```sh\n([^`]*)```/.exec(readme);
  if (!block) throw new Error('README.md has no firewall run quick start block');
  return block[1]!.trimEnd().split('\n');
}

describe('README: firewall run quick start', () => {
  let v: Verdaccio;
  beforeAll(async () => {
    v = await startVerdaccio();
    await v.seedVersions('left-pad', ['1.3.0']);
  });
  afterAll(async () => v?.close());

  it('runs as written: the firewall refuses left-pad, exit 1, and the JUnit report names the rule', async () => {
    const lines = await quickStart();
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines[0]!.startsWith(BUILD)).toBe(true);
    const script = ['set -u', lines[0]!.slice(BUILD.length), ...lines.slice(1), 'echo "demo=$PWD"'].join('\n');
    const home = await mkdtemp(join(tmpdir(), 'sscs-quickstart-home-'));
    const r = await execa('bash', ['-c', script], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: home, TMPDIR: home, npm_config_cache: join(home, '.npm'), npm_config_update_notifier: 'false', SSCS_FIREWALL_UPSTREAM: v.url },
      extendEnv: false,
      reject: false,
      all: true,
      stdin: 'ignore',
      timeout: 180_000,
    });
    const out = String(r.all);
    expect(out).toContain('exit 1\n');
    expect(out).toMatch(/left-pad@1\.3\.0: deny by no-left-pad: use padStart/);
    const demo = /^demo=(.*)$/m.exec(out)![1]!;
    expect(await readFile(join(demo, 'reports/firewall.xml'), 'utf8')).toMatch(/left-pad@1\.3\.0[\s\S]*no-left-pad/);
  });
});
