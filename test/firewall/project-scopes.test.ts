import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProjectScopes, isYarnClassic, projectScopes } from '../../helper/src/firewall/project-scopes.js';

const ACME = [{ scope: '@acme', url: 'https://gitlab.example/api/v4/groups/42/-/packages/npm/', tokenEnv: 'SSCS_FIREWALL_UPSTREAM_TOKEN_ACME' }];

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-project-scopes-'));
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
  return dir;
}

describe('project scopes and firewall run', () => {
  it('yarn 1 reads .npmrc scopes over the environment: refused unless the line names SSCS_FIREWALL_REGISTRY', async () => {
    const direct = await project({ '.npmrc': '@acme:registry=https://gitlab.example/api/v4/groups/42/-/packages/npm/\n', 'yarn.lock': '# yarn lockfile v1\n' });
    expect(await isYarnClassic(['yarn', 'install', '--frozen-lockfile'], direct)).toBe(true);
    const found = await projectScopes(direct, {});
    expect(() => checkProjectScopes(found, 'https://registry.npmjs.org/', ACME, { yarnClassic: true })).toThrow('yarn 1 takes that over the environment');
    // npm and pnpm take the environment over .npmrc, so the same project is fine for them.
    expect(() => checkProjectScopes(found, 'https://registry.npmjs.org/', ACME, { yarnClassic: false })).not.toThrow();
    const viaFirewall = await project({ '.npmrc': '@acme:registry=${SSCS_FIREWALL_REGISTRY}/\n' });
    const named = await projectScopes(viaFirewall, {});
    expect(named).toEqual([{ scope: '@acme', url: '${SSCS_FIREWALL_REGISTRY}/', file: '.npmrc', kind: 'npmrc', throughFirewall: true }]);
    expect(() => checkProjectScopes(named, 'https://registry.npmjs.org/', [], { yarnClassic: true })).not.toThrow();
  });

  it('tells yarn 2+ from yarn 1 by its rc file or lockfile', async () => {
    expect(await isYarnClassic(['yarn', 'install'], await project({ '.yarnrc.yml': 'nodeLinker: node-modules\n' }))).toBe(false);
    expect(await isYarnClassic(['yarn', 'install'], await project({ 'yarn.lock': '__metadata:\n  version: 8\n' }))).toBe(false);
    expect(await isYarnClassic(['npm', 'ci'], await project({}))).toBe(false);
    expect(await isYarnClassic(['/usr/bin/node', '/x/yarn.js', 'install'], await project({}))).toBe(true);
  });
});
