import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';

/**
 * The .npmrc files `firewall run` reads must be the ones the client reads, read as the client reads them (review 5,
 * F9 and F1): a scope the client would fetch from EVIL is refused (exit 2) before anything runs. EVIL stands for an
 * outside registry holding the same names: a request there is a fetch around the firewall.
 */
const POLICY = 'version: 1\nmode: enforce\ndefault_action: allow\nrules: []\n';

let reg: NpmRegistry;
let evil: NpmRegistry;
let base: string;

beforeAll(async () => {
  [reg, evil] = await Promise.all([startNpmRegistry(), startNpmRegistry()]);
  for (const r of [reg, evil]) await r.publish({ name: '@evil/x', version: '1.0.0' });
  base = await mkdtemp(join(tmpdir(), 'sscs-fw-npmrc-'));
}, 60_000);
afterAll(async () => {
  await Promise.all([reg?.close(), evil?.close()]);
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(base, 'app-'));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  for (const [f, text] of Object.entries(files)) {
    await mkdir(join(dir, f, '..'), { recursive: true });
    await writeFile(join(dir, f), text);
  }
  return dir;
}

const pkg = (deps: Record<string, string> = {}) => JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: deps });
const npmEnv = (dir: string): Record<string, string> => ({ HOME: dir, npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });
const run = (dir: string, command: string[], env: Record<string, string> = npmEnv(dir)) =>
  runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--pypi-upstream', 'none', '--data-dir', join(dir, 'fw'), '--', ...command], { cwd: dir, env, timeoutMs: 120_000 });
const evilSeen = (since: number) => evil.requests.slice(since).map((r) => r.path);

describe('firewall run reads .npmrc as npm does (F9)', () => {
  for (const [spelling, line] of [
    ['a double-quoted key', (u: string) => `"@evil:registry" = ${u}/\n`],
    ['a single-quoted key and value', (u: string) => `'@evil:registry' = '${u}/'\n`],
    ['a line after a lone CR', (u: string) => `fund=false\r@evil:registry=${u}/\n`],
  ] as const) {
    it(`refuses a scope sent around the firewall by ${spelling}`, async () => {
      const dir = await project({ 'package.json': pkg({ '@evil/x': '1.0.0' }), '.npmrc': line(evil.url) });
      const since = evil.requests.length;
      const r = await run(dir, ['npm', 'install']);
      expect(evilSeen(since)).toEqual([]);
      expect(r.stderr).toContain(`.npmrc sends @evil to ${evil.url}/, but the firewall has no upstream for @evil`);
      expect(r.exitCode).toBe(2);
    }, 60_000);
  }
});
