import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';

// Metadata as a real registry serves it: packages published with the real npm client into verdaccio.
let v: Verdaccio;
let project: string;

interface Report {
  checks: { registry: string };
  packages: { name: string; decision: string; rule: string; reason: string; until?: string }[];
}

beforeAll(async () => {
  v = await startVerdaccio();
  await v.publish({ name: 'plain-lib', version: '1.0.0', manifest: { license: 'MIT' } });
  await v.publish({ name: '@sscs-test/native', version: '2.0.0', scripts: { postinstall: 'node build.js' }, files: { 'build.js': 'console.log(1)\n' }, manifest: { license: 'Apache-2.0' } });
  project = mkdtempSync(join(tmpdir(), 'sscs-verdaccio-project-'));
  const lock = {
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', version: '1.0.0', dependencies: { 'plain-lib': '1.0.0', '@sscs-test/native': '2.0.0' } },
      'node_modules/plain-lib': { version: '1.0.0' },
      'node_modules/@sscs-test/native': { version: '2.0.0', hasInstallScript: true },
    },
  };
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock));
  // The scope goes to verdaccio through @scope:registry; unscoped packages through registry=.
  writeFileSync(join(project, '.npmrc'), `registry=${v.url}/\n@sscs-test:registry=${v.url}/\n//127.0.0.1:${v.port}/:_authToken=\${VERDACCIO_LOGIN}\n`);
}, 120_000);
afterAll(() => v?.close());

const check = (policy: string) => {
  writeFileSync(join(project, 'policy.yml'), policy);
  return runCli(['policy', 'check', 'package-lock.json', '--policy', 'policy.yml', '--format', 'json', '--cache-dir', join(project, 'cache')], {
    cwd: project,
    env: { HOME: project, VERDACCIO_LOGIN: v.token },
  });
};

describe('policy check against verdaccio', () => {
  it('quarantines versions published moments ago, until they are 48h old', async () => {
    const r = await check('version: 1\nrules:\n  - { id: age, when: { published_within: 48h }, action: quarantine }\n');
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    for (const p of report.packages) {
      expect(p).toMatchObject({ decision: 'quarantine', rule: 'age' });
      const wait = Date.parse(p.until!) - Date.now();
      expect(wait).toBeGreaterThan(47 * 3_600_000);
      expect(wait).toBeLessThanOrEqual(48 * 3_600_000);
    }
    expect(r.stdout + r.stderr).not.toContain(v.token);
  });

  it('reads install scripts and licenses from the published packuments', async () => {
    const r = await check(
      'version: 1\nrules:\n  - { id: scripts, when: { install_scripts: true }, action: deny }\n  - { id: licenses, when: { license: { allow: [MIT] } }, action: deny }\n',
    );
    const report = JSON.parse(r.stdout) as Report;
    const of = (n: string) => report.packages.find((p) => p.name === n)!;
    expect(of('@sscs-test/native')).toMatchObject({ decision: 'deny', rule: 'scripts', reason: 'has install scripts' });
    expect(of('plain-lib')).toMatchObject({ decision: 'allow', rule: 'default' });
    expect(report.checks.registry).toBe('online');
  });
});
