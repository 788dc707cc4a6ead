/**
 * The names `firewall run` removes from the install's environment, spelled as the clients read them: pip's
 * configuration.py (`PIP_` then lower-cased, `_` as `-`, a leading `--` dropped), npm's @npmcli/config loadEnv and
 * pnpm's @pnpm/npm-conf envKeyToSetting (case-insensitive prefix, `_` as `-`, the part after a colon lower-cased).
 * The real clients meet these in run-proxy-env.test.ts and run-around.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { installEnvironment, keptForInstall, pipKey } from '../../helper/dist/firewall/install-env.js';

describe('install environment', () => {
  it('reads PIP_* names as pip does', () => {
    expect(['PIP_FIND-LINKS', 'PIP_find_links', 'PIP_--FIND_LINKS', 'PIP_FIND_LINKS'].map(pipKey)).toEqual(Array(4).fill('find-links'));
    expect(pipKey('PIPENV_PYPI_MIRROR')).toBeUndefined();
    expect(pipKey('PIP_NO_CACHE_DIR')).toBe('no-cache-dir');
  });

  it('removes every spelling of a routing setting, and keeps the rest', () => {
    const removed = ['PIP_FIND-LINKS', 'PIP_Extra_Index_Url', 'PIP_INDEX-URL', 'PIP_proxy', 'PIP_TRUSTED-HOST', 'PIP_CONFIG-FILE', 'NPM_CONFIG_HTTPS-PROXY', 'npm_config_//evil.example/:REGISTRY', 'No_Proxy', 'UV_INDEX', 'SSCS_FIREWALL_ADMIN_TOKEN', 'PGPASSWORD'];
    expect(removed.filter(keptForInstall)).toEqual([]);
    const kept = ['PIP_NO_CACHE_DIR', 'PIP_DISABLE_PIP_VERSION_CHECK', 'HTTP_PROXY', 'https_proxy', 'ALL_PROXY', 'PIPENV_VENV_IN_PROJECT', 'npm_config_cache', 'PATH'];
    expect(kept.filter((k) => !keptForInstall(k))).toEqual([]);
  });

  it('adds the firewall host to NO_PROXY and no_proxy, keeping the job\'s entries', () => {
    const env = installEnvironment({ NO_PROXY: 'a.example, b.example', no_proxy: 'b.example', HTTP_PROXY: 'http://proxy:3128', PIP_PROXY: 'proxy:3128' }, { PIP_INDEX_URL: 'http://127.0.0.1:1/simple/' }, '127.0.0.1');
    expect(env).toEqual({ HTTP_PROXY: 'http://proxy:3128', PIP_INDEX_URL: 'http://127.0.0.1:1/simple/', NO_PROXY: 'a.example,b.example,127.0.0.1', no_proxy: 'a.example,b.example,127.0.0.1' });
  });

  it('refuses requirements named by the environment, in any spelling', () => {
    for (const name of ['PIP_REQUIREMENT', 'PIP_Constraint', 'PIP_--EDITABLE']) {
      expect(() => installEnvironment({ [name]: 'x.txt' }, {}, '127.0.0.1'), name).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(`the environment sets ${name}`) }));
    }
  });
});
