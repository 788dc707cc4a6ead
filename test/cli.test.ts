import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runCli, REPO_ROOT, BUNDLE } from './support/cli.js';
import { execa } from 'execa';

const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string };

describe('cli', () => {
  it('prints its version', async () => {
    const r = await runCli(['--version']);
    expect(r).toMatchObject({ exitCode: 0, stdout: `${pkg.version}\n` });
  });

  it('rejects an unknown command with exit 2 and no stack trace', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs the same from the single-file bundle', async () => {
    const r = await execa(process.execPath, [BUNDLE, '--version'], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(pkg.version);
  });
});

describe('command groups', () => {
  it('lists the subcommands of a group on --help', async () => {
    const r = await runCli(['policy', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('usage: sscs policy <subcommand> [flags]');
    expect(r.stdout).toMatch(/^ {2}policy check +Check lockfiles/m);
  });

  it('names the subcommands when one is missing', async () => {
    const r = await runCli(['firewall']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Commands: firewall serve, firewall run, firewall quarantine, firewall waive, firewall migrate.');
  });
});

describe('--format', () => {
  it('is validated by every command that takes it, before the command runs', async () => {
    const { COMMANDS } = await import('../helper/src/cli/commands.js');
    const withFormat: string[] = [];
    for (const entry of COMMANDS) {
      const def = await entry.load();
      const spec = def.flags.format;
      if (!spec) continue;
      withFormat.push(def.name);
      expect(spec.choices, `${def.name} --format declares its choices`).toBeDefined();
      const r = await runCli([...def.name.split(' '), '--format', 'yaml', ...(def.positionals?.min ? Array(def.positionals.min).fill('x') : [])]);
      expect(r.exitCode, def.name).toBe(2);
      expect(r.stderr, def.name).toContain(`sscs ${def.name}: --format must be one of ${spec.choices!.join(', ')}, not 'yaml'`);
    }
    expect(withFormat.length).toBeGreaterThanOrEqual(10);
  });
});
