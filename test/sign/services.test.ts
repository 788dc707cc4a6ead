import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../helper/src/errors.js';
import { resolveServices } from '../../helper/src/sign/services.js';

describe('service resolution', () => {
  const cwd = (p: string) => p;
  it('uses public-good for keyless only when nothing is configured', async () => {
    expect(await resolveServices('keyless', {}, {}, cwd)).toEqual({ fulcioUrl: 'https://fulcio.sigstore.dev', rekorUrl: 'https://rekor.sigstore.dev', rekorMajorApiVersion: 1 });
    expect(await resolveServices('key', {}, {}, cwd)).toEqual({ rekorMajorApiVersion: 1 });
  });

  it('prefers flags over the signing config over the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscs-sc-'));
    const config = join(dir, 'signing_config.json');
    const svc = (url: string, start: string, majorApiVersion = 1) => ({ url, majorApiVersion, validFor: { start } });
    writeFileSync(
      config,
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
        caUrls: [svc('https://ca.old', '2020-01-01T00:00:00Z'), svc('https://ca.new', '2024-01-01T00:00:00Z'), svc('https://ca.future', '2999-01-01T00:00:00Z')],
        rekorTlogUrls: [svc('https://rekor.v2', '2024-01-01T00:00:00Z', 2)],
        tsaUrls: [svc('https://tsa.example/api/v1/timestamp', '2024-01-01T00:00:00Z')],
      }),
    );
    expect(await resolveServices('keyless', { signingConfig: config, tsaUrl: 'https://tsa.flag' }, { SSCS_FULCIO_URL: 'https://ca.env' }, cwd)).toEqual({
      fulcioUrl: 'https://ca.new',
      rekorUrl: 'https://rekor.v2',
      rekorMajorApiVersion: 2,
      tsaUrl: 'https://tsa.flag',
    });
  });

  it('refuses a private Fulcio with neither log nor timestamp authority', async () => {
    await expect(resolveServices('keyless', { fulcioUrl: 'https://ca.example' }, {}, cwd)).rejects.toBeInstanceOf(UsageError);
  });
});
