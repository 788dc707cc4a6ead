#!/usr/bin/env node
/**
 * `npm run sigstore:local:token -- --dir DIR [--claims FILE|JSON] [--environment NAME] [--expires-in SECONDS] [--audience AUD]`:
 * asks the running local issuer (DIR/env) for a GitLab-style job token and prints it. `--environment` mints
 * the token of a job that declares `environment: NAME` (the `environment` claim, certificate extension 1.23).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = 'usage: npm run sigstore:local:token -- --dir DIR [--claims FILE|JSON] [--environment NAME] [--expires-in SECONDS] [--audience AUD]';
const MINT_TIMEOUT_MS = 10_000;

function issuerUrl(dir: string): string {
  const env = readFileSync(join(dir, 'env'), 'utf8');
  const line = env.split('\n').find((l) => l.startsWith('SSCS_OIDC_ISSUER='));
  if (!line) throw new Error(`${join(dir, 'env')} has no SSCS_OIDC_ISSUER`);
  return line.slice('SSCS_OIDC_ISSUER='.length).trim();
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { dir: { type: 'string' }, claims: { type: 'string' }, environment: { type: 'string' }, 'expires-in': { type: 'string' }, audience: { type: 'string' } },
    strict: true,
  });
  if (!values.dir) {
    process.stderr.write(`sigstore:local:token: --dir DIR is required\n${USAGE}\n`);
    return 2;
  }
  const claimsText = values.claims === undefined ? '{}' : values.claims.trim().startsWith('{') ? values.claims : readFileSync(values.claims, 'utf8');
  const claims = JSON.parse(claimsText) as Record<string, unknown>;
  if (values.environment !== undefined) claims.environment = values.environment;
  const request = {
    claims,
    ...(values['expires-in'] !== undefined ? { expiresIn: Number(values['expires-in']) } : {}),
    ...(values.audience !== undefined ? { audience: values.audience } : {}),
  };
  const res = await fetch(`${issuerUrl(values.dir)}/mint`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(MINT_TIMEOUT_MS),
  });
  const body = await res.text();
  if (!res.ok) {
    process.stderr.write(`sigstore:local:token: issuer answered ${res.status}: ${body}\n`);
    return 2;
  }
  process.stdout.write(`${body}\n`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (e) {
  process.stderr.write(`sigstore:local:token: ${(e as Error).message}\n${USAGE}\n`);
  process.exitCode = 2;
}
