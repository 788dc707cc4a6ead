import { describe, expect, it } from 'vitest';
import { serveSettings } from '../../helper/dist/firewall/config.js';
import { runCli } from '../support/cli.js';

describe('firewall settings', () => {
  it('takes a flag over its environment variable, and the variable over the default', () => {
    const env = { SSCS_FIREWALL_POLICY: 'env.yml', SSCS_FIREWALL_UPSTREAM: 'http://env.example/', SSCS_FIREWALL_PACKUMENT_TTL: '5' };
    const fromEnv = serveSettings({}, env, '/w');
    expect(fromEnv).toMatchObject({ policyPath: '/w/env.yml', upstream: 'http://env.example/', packumentTtlMs: 5000, listen: { host: '127.0.0.1', port: 4873 }, dataDir: '/w/.cache/sscs-firewall', serveCachedOffline: true, synchronous: 'normal' });
    const fromFlags = serveSettings({ policy: 'flag.yml', upstream: 'http://flag.example/', 'packument-ttl': '7', 'offline-cached': 'refuse' }, env, '/w');
    expect(fromFlags).toMatchObject({ policyPath: '/w/flag.yml', upstream: 'http://flag.example/', packumentTtlMs: 7000, serveCachedOffline: false });
  });

  it('refuses an upstream with credentials in it, and bad values, with exit 2', async () => {
    const creds = await runCli(['firewall', 'serve', '--policy', 'p.yml', '--upstream', 'https://user:secret-password@registry.example/']);
    expect(creds.exitCode).toBe(2);
    expect(creds.stderr).toContain('must not carry credentials');
    expect(creds.stderr).not.toContain('secret-password');
    const ttl = await runCli(['firewall', 'serve', '--policy', 'p.yml', '--packument-ttl', 'soon']);
    expect(ttl).toMatchObject({ exitCode: 2 });
    expect(ttl.stderr).toContain("--packument-ttl must be a non-negative number, not 'soon'");
    const missing = await runCli(['firewall', 'serve']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('--policy FILE is required');
  });
});
