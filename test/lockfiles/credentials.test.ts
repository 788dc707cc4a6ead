import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

// Lockfiles written behind Artifactory or Nexus carry the registry credential in `resolved`
// (https://user:password@host/...). It must never reach what sscs prints or writes, whatever the source kind.
const SECRET = 'npmpass9999';
const RESOLVED = `https://npmuser:${SECRET}@registry.npmjs.org/ms/-/ms-2.1.3.tgz`;
const INTEGRITY = 'sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==';

function npmProject(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { ms: '2.1.3' } }));
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'app', version: '1.0.0', dependencies: { ms: '2.1.3' } },
        'node_modules/ms': { version: '2.1.3', resolved: RESOLVED, integrity: INTEGRITY, license: 'MIT' },
      },
    }),
  );
  return dir;
}

describe('credentials in lockfile locations', () => {
  it('drops a registry URL user and password from sscs deps, text and JSON', async () => {
    const dir = npmProject();
    for (const format of ['text', 'json']) {
      const r = await runCli(['deps', 'package-lock.json', '--format', format], { cwd: dir });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain('ms');
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout + r.stderr).not.toContain('npmuser');
    }
    const json = JSON.parse((await runCli(['deps', 'package-lock.json', '--format', 'json'], { cwd: dir })).stdout);
    expect(JSON.stringify(json)).toContain('https://registry.npmjs.org/ms/-/ms-2.1.3.tgz');
  });
});
