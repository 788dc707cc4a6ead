import { describe, expect, it } from 'vitest';
import type { InputError } from '../../helper/src/errors.js';
import { readIdentityToken } from '../../helper/src/sign/token.js';

const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
const NOW = Date.parse('2026-01-01T00:00:00Z');
const valid = { iss: 'https://gitlab.com', sub: 'project_path:g/p:ref_type:branch:ref:main', aud: 'sigstore', exp: NOW / 1000 + 60 };

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as InputError).code;
  }
  return undefined;
};

describe('identity token', () => {
  it('accepts a token for audience sigstore, in an array too', () => {
    expect(readIdentityToken({ T: jwt(valid) }, 'T', NOW).claims.sub).toBe(valid.sub);
    expect(readIdentityToken({ T: jwt({ ...valid, aud: ['x', 'sigstore'] }) }, 'T', NOW).claims.iss).toBe('https://gitlab.com');
  });

  it.each([
    ['missing', {}],
    ['empty', { T: ' ' }],
    ['not a JWT', { T: 'abc' }],
    ['payload not JSON', { T: 'e30.bm90IGpzb24.c2ln' }],
    ['expired', { T: jwt({ ...valid, exp: NOW / 1000 - 1 }) }],
    ['wrong audience', { T: jwt({ ...valid, aud: 'gitlab' }) }],
    ['no subject', { T: jwt({ ...valid, sub: '' }) }],
    ['too large', { T: jwt({ ...valid, pad: 'x'.repeat(20_000) }) }],
  ])('refuses a token that is %s with code TOKEN', (_what, env) => {
    expect(codeOf(() => readIdentityToken(env, 'T', NOW))).toBe('TOKEN');
  });
});
