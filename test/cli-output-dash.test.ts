import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../helper/src/cli/commands.js';
import { runCli } from './support/cli.js';
import { tempDir } from './support/tmp.js';

/**
 * `-o -` used to write a file called `-`. A flag that names where to write either takes `-` as standard output
 * (provenance -o, policy check --output) or refuses it (exit 2), never writing a file of that name.
 */
const LOCK = JSON.stringify({ name: 'app', lockfileVersion: 3, packages: { '': { name: 'app' } } });

describe("'-' as an output", () => {
  it('provenance -o - writes the statements to standard output', async () => {
    const dir = tempDir({ 'dist/app.tgz': 'app' });
    const r = await runCli(['provenance', '--local', '--subject', 'dist/app.tgz', '-o', '-'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n')[0]!).subject[0].name).toBe('dist/app.tgz');
    expect(existsSync(join(dir, '-'))).toBe(false);
  });

  it('policy check --output - writes the report to standard output', async () => {
    const dir = tempDir({ 'package-lock.json': LOCK });
    const r = await runCli(['policy', 'check', 'package-lock.json', '--offline', '--format', 'json', '--output', '-'], { cwd: dir, env: { HOME: dir } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).sources).toEqual(['package-lock.json']);
    expect(existsSync(join(dir, '-'))).toBe(false);
  });

  it.each([
    [['policy', 'check', 'package-lock.json', '--offline', '--junit', '-'], '--junit'],
    [['policy', 'check', 'package-lock.json', '--offline', '--gitlab-report', '-'], '--gitlab-report'],
    [['feed', 'sync', '--output', '-'], '--output'],
    [['firewall', 'run', '--output', '-', '--', 'true'], '--output'],
    [['sign', 'package-lock.json', '--bundle', '-'], '--bundle'],
  ])('%j refuses - (exit 2) and writes no file', async (args, flag) => {
    const dir = tempDir({ 'package-lock.json': LOCK });
    const r = await runCli(args, { cwd: dir, env: { HOME: dir } });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${flag} writes a file and '-' (standard output) is not one here`);
    expect(existsSync(join(dir, '-'))).toBe(false);
  });

  it('every flag that writes says what - means', async () => {
    const undeclared: string[] = [];
    for (const entry of COMMANDS) {
      const def = await entry.load();
      for (const [name, spec] of Object.entries(def.flags)) {
        if (spec.type === 'string' && /^(?:Write|Where)\b/.test(spec.description) && !spec.writes) undeclared.push(`${def.name} --${name}`);
      }
    }
    expect(undeclared).toEqual([]);
  });
});
