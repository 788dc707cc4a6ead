import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runCli } from '../support/cli.js';
import { limiter } from '../support/limit.js';

// sigstore-conformance bundle-verify cases (layout and defaults: bundle-verify/README.md and SOURCE.md).
const CASES = join(FIXTURES, 'sigstore-conformance', 'bundle-verify');
const PUBLIC_GOOD_ROOT = join(FIXTURES, 'public-good', 'trusted_root.public-good.json');
const DEFAULT_IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';
/** Cases whose input is unusable before verification starts: sscs says so with exit 2; every other failure is exit 1. */
const INPUT_ERRORS = new Set(['managed-key-wrong-key_fail', 'trust-root-tlog-missing-validity-start_fail']);

const cases = readdirSync(CASES).filter((n) => statSync(join(CASES, n)).isDirectory()).sort();
const run = limiter(2);

function caseArgs(name: string, mode: 'path' | 'digest'): string[] {
  const dir = join(CASES, name);
  const file = (f: string) => join(dir, f);
  const artifact = existsSync(file('artifact')) ? file('artifact') : join(CASES, 'a.txt');
  const subject = mode === 'path' ? artifact : `sha256:${createHash('sha256').update(readFileSync(artifact)).digest('hex')}`;
  const root = existsSync(file('trusted_root.json')) ? file('trusted_root.json') : PUBLIC_GOOD_ROOT;
  const trust = existsSync(file('key.pub'))
    ? ['--key', file('key.pub')]
    : [
        '--certificate-identity', existsSync(file('identity')) ? readFileSync(file('identity'), 'utf8').trim() : DEFAULT_IDENTITY,
        '--certificate-oidc-issuer', existsSync(file('issuer')) ? readFileSync(file('issuer'), 'utf8').trim() : DEFAULT_ISSUER,
      ];
  return ['verify', subject, '--bundle', file('bundle.sigstore.json'), '--trusted-root', root, ...trust];
}

describe('sigstore-conformance bundle-verify', () => {
  it('finds the cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  for (const name of cases) {
    for (const mode of ['path', 'digest'] as const) {
      const shouldFail = name.endsWith('_fail');
      it.concurrent(`${shouldFail ? 'rejects' : 'verifies'} ${name} given the artifact ${mode === 'path' ? 'file' : 'sha256 digest'}`, async () => {
        const r = await run(() => runCli(caseArgs(name, mode)));
        if (!shouldFail) {
          expect(r.stderr).toBe('');
          expect(r.exitCode).toBe(0);
          expect(r.stdout).toMatch(/^verified: /);
        } else {
          expect(r.exitCode).toBe(INPUT_ERRORS.has(name) ? 2 : 1);
          expect(r.stderr).toMatch(/^sscs: error: /);
          expect(r.stderr).not.toMatch(/\n\s+at /);
        }
      });
    }
  }
});
