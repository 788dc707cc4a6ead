import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { templateJob } from '../support/template-job.js';

/**
 * The firewall job keeps its data folder in the GitLab cache. A pipeline on one branch can run `sscs firewall
 * waive` in its own script (or an install script can write there); with one cache key for every ref, the next
 * branch's job restored that waiver. Now `firewall run` reads no waiver from the data folder at all (only
 * verified tarballs are carried), and the key is still per ref. GitLab expands predefined variables in
 * `cache:key` and restores the cache of that key; this test does the same around the real job script, per branch.
 */
const { job, run } = templateJob('npm-firewall.yml');
const DATA_DIR = '.cache/sscs-firewall';

let reg: NpmRegistry;
let caches: string;
beforeAll(async () => {
  reg = await startNpmRegistry();
  await reg.publish({ name: 'evil-pkg', version: '1.0.0', publishedAt: new Date(Date.now() - 400 * 86_400_000) });
  caches = await mkdtemp(join(tmpdir(), 'sscs-gitlab-cache-'));
}, 60_000);
afterAll(() => reg?.close());

interface Ref {
  slug: string;
  protected: boolean;
}
/** `cache:key` as GitLab expands it for a pipeline on `ref`. */
const keyFor = (ref: Ref) => (job.cache.key as string).replace(/\$(\w+)/g, (_m, v: string) => ({ CI_COMMIT_REF_SLUG: ref.slug, CI_COMMIT_REF_PROTECTED: String(ref.protected) })[v] ?? '');

/** One pipeline on `ref`: restore the cache of its key, run what the branch's script runs, save the cache. */
async function pipeline(ref: Ref, before?: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-branch-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'job', version: '1.0.0', private: true, dependencies: { 'evil-pkg': '1.0.0' } }));
  await writeFile(join(dir, 'policy.yml'), 'version: 1\nrules:\n  - id: deny-evil\n    match: evil-pkg\n    action: deny\n    reason: known bad package\n');
  const cached = join(caches, keyFor(ref));
  if (existsSync(cached)) await cp(cached, join(dir, DATA_DIR), { recursive: true });
  await before?.(dir);
  const r = await run(dir, { policy: 'policy.yml', upstream: reg.url, pypi_upstream: 'none', install_command: 'npm install --no-audit --no-fund' }, { npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0' });
  if (existsSync(join(dir, DATA_DIR))) await cp(join(dir, DATA_DIR), cached, { recursive: true });
  return r;
}

describe('templates/npm-firewall.yml: the cached data folder stays with its ref', () => {
  it("a waiver one branch's script records reaches neither that branch's job nor another's", async () => {
    const waive = async (dir: string) => {
      const w = await runCli(['firewall', 'waive', 'evil-pkg@1.0.0', '--reason', 'trust me', '--data-dir', DATA_DIR], { cwd: dir, env: { HOME: dir } });
      expect(w.exitCode, w.stderr).toBe(0);
    };
    // Not even the branch's own job takes a waiver from the data folder: the policy file is where waivers go.
    const a = await pipeline({ slug: 'feature-a', protected: false }, waive);
    expect(a.all).toContain('not reading the waivers, quarantine releases and decisions in');
    expect(a.exitCode).toBe(1);

    const b = await pipeline({ slug: 'feature-b', protected: false });
    expect(b.all).toContain('evil-pkg@1.0.0: deny by deny-evil: known bad package');
    expect(b.exitCode).toBe(1);

    // An unprotected branch whose slug is the default branch's (`Main` -> `main`) gets a cache of its own too.
    expect(keyFor({ slug: 'main', protected: false })).not.toBe(keyFor({ slug: 'main', protected: true }));
  }, 240_000);
});
