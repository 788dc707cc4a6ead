import { describe, expect, it } from 'vitest';
import { postgresTarget } from '../../helper/src/firewall/postgres/connect.js';

// The database URL's secrets: refused in a flag (visible in process listings), taken out of the URL otherwise.
describe('postgresTarget', () => {
  it('refuses a password in the query of --database, as in the user part', () => {
    for (const url of ['postgres://sscs@db:5432/fw?password=Hunter2SecretPW', 'postgres://sscs@db/fw?sslpassword=Hunter2SecretPW', 'postgres://sscs:Hunter2SecretPW@db/fw']) {
      expect(() => postgresTarget(url, {}, true)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('--database must not hold a password') }));
      try {
        postgresTarget(url, {}, true);
      } catch (e) {
        expect(JSON.stringify({ message: (e as Error).message, hint: (e as { hint?: string }).hint })).not.toContain('Hunter2SecretPW');
      }
    }
  });

  it('takes a query password from the environment variable out of the URL, and names the database without it', () => {
    const t = postgresTarget('postgres://sscs@db:5433/fw?password=Hunter2SecretPW&application_name=sscs', {}, false);
    expect(t.config.password).toBe('Hunter2SecretPW');
    expect(t.label).toBe('db:5433/fw');
    expect(JSON.stringify({ ...t.config, password: undefined })).not.toContain('Hunter2SecretPW');
  });

  it('says a malformed percent-encoded password is a usage error, without echoing it', () => {
    expect(() => postgresTarget('postgres://sscs:Hunter2Secret%zzPW@db/fw', {}, false)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.not.stringContaining('Hunter2') }));
  });
});
