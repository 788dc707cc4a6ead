import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packument, type TestRegistry } from '../registry/server.js';

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/**
 * A small project: a package-lock.json v3 whose packages the test registry serves, with one of each
 * interesting case: an old plain package, a likely typosquat, a fresh version, install scripts, a deprecated version, an
 * npm alias to a known-malicious package, and a dev dependency reached transitively.
 */
export function seedRegistry(reg: TestRegistry): void {
  reg.packuments.set('plain', packument('plain', { '1.0.0': { published: ago(900 * 24 * HOUR), license: 'MIT' } }));
  reg.packuments.set('fresh', packument('fresh', { '2.0.0': { published: ago(2 * HOUR), license: 'MIT' } }));
  reg.packuments.set('native', packument('native', { '3.1.0': { published: ago(400 * 24 * HOUR), license: 'MIT', scripts: { postinstall: 'node-gyp rebuild' } } }));
  reg.packuments.set('evil-pkg', packument('evil-pkg', { '1.0.0': { published: ago(300 * 24 * HOUR), license: 'MIT' } }));
  reg.packuments.set('lodahs', packument('lodahs', { '1.0.0': { published: ago(30 * 24 * HOUR), license: 'MIT' } }));
  reg.packuments.set('dev-tool', packument('dev-tool', { '0.5.0': { published: ago(300 * 24 * HOUR), license: 'GPL-3.0-only' } }));
  reg.packuments.set('dev-helper', packument('dev-helper', { '1.2.0': { published: ago(300 * 24 * HOUR), license: 'MIT', deprecated: 'no longer maintained' } }));
}

export function writeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sscs-policy-project-'));
  const lock = {
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', version: '1.0.0', dependencies: { plain: '^1.0.0', fresh: '^2.0.0', native: '^3.1.0', lodahs: '^1.0.0', 'my-lib': 'npm:evil-pkg@1.0.0' }, devDependencies: { 'dev-tool': '^0.5.0' } },
      'node_modules/plain': { version: '1.0.0', license: 'MIT' },
      'node_modules/fresh': { version: '2.0.0', license: 'MIT' },
      'node_modules/native': { version: '3.1.0', license: 'MIT', hasInstallScript: true },
      'node_modules/lodahs': { version: '1.0.0', license: 'MIT' },
      'node_modules/my-lib': { name: 'evil-pkg', version: '1.0.0', license: 'MIT' },
      'node_modules/dev-tool': { version: '0.5.0', dev: true, license: 'GPL-3.0-only', dependencies: { 'dev-helper': '^1.2.0' } },
      'node_modules/dev-helper': { version: '1.2.0', dev: true, license: 'MIT' },
    },
  };
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  mkdirSync(join(dir, 'feed', 'osv', 'malicious', 'npm', 'evil-pkg'), { recursive: true });
  writeFileSync(
    join(dir, 'feed', 'osv', 'malicious', 'npm', 'evil-pkg', 'MAL-2026-0001.json'),
    JSON.stringify({ id: 'MAL-2026-0001', modified: '2026-01-01T00:00:00Z', summary: 'Malicious code in evil-pkg (npm)', affected: [{ package: { ecosystem: 'npm', name: 'evil-pkg' }, versions: ['1.0.0'] }] }),
  );
  return dir;
}
