import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { runCli } from '../support/cli.js';

// deploy/compose.yaml cannot run here (no container engine): what can drift from the code is checked instead.
describe('deploy/compose.yaml', () => {
  it('starts the firewall with flags and variables `sscs firewall serve` has, and a valid policy', async () => {
    const compose = parse(await readFile('deploy/compose.yaml', 'utf8')) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; deploy?: { replicas?: number } }>;
    };
    expect(Object.keys(compose.services).sort()).toEqual(['firewall', 'lb', 'postgres']);
    const fw = compose.services.firewall!;
    expect(fw.deploy?.replicas).toBeGreaterThanOrEqual(2);
    const help = (await runCli(['firewall', 'serve', '--help'])).stdout;
    const flags = fw.command!.filter((a) => a.startsWith('--'));
    expect(flags.length).toBeGreaterThan(0);
    for (const f of flags) expect(help, f).toContain(`${f} `);
    const database = fw.command![fw.command!.indexOf('--database') + 1]!;
    expect(new URL(database).password).toBe('');
    for (const v of Object.keys(fw.environment!)) if (v.startsWith('SSCS_')) expect(help, v).toContain(v);
    expect((await runCli(['policy', 'validate', 'deploy/policy.yml'])).exitCode).toBe(0);
  });

  it('has nginx name the client in X-Forwarded-For, and the replicas trust that header from nginx alone', async () => {
    const conf = await readFile('deploy/nginx.conf', 'utf8');
    const locations = conf.split(/\blocation\b/).slice(1);
    expect(locations.length).toBeGreaterThan(0);
    for (const l of locations) {
      expect(l).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
      expect(l).toContain('proxy_set_header X-Forwarded-Proto $scheme;');
    }
    const compose = parse(await readFile('deploy/compose.yaml', 'utf8')) as {
      services: Record<string, { environment?: Record<string, string>; networks?: { default?: { ipv4_address?: string } } }>;
    };
    const lb = compose.services.lb!.networks?.default?.ipv4_address;
    expect(lb).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(compose.services.firewall!.environment!.SSCS_FIREWALL_TRUSTED_PROXIES).toBe(`${lb}/32`);
  });
});
