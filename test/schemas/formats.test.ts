import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FORMATS, PLAIN_URI, fullUri } from '../../helper/src/schemas/formats.js';

// Strings near the plain URI shape: every character class of RFC 3986 and some outside it, in URI-like order.
const piece = fc.stringMatching(/^[a-zA-Z0-9\-._~!$&'()*+,;=:@%/?#[\]"<> \u00e9\u0131]{0,12}$/);
const uriLike = fc.tuple(fc.stringMatching(/^[a-zA-Z0-9+\-.]{1,6}$/), fc.constantFrom('://', ':/', ':', '//'), piece, fc.constantFrom('', ':', ':8080', ':x'), piece, piece).map((p) => p.join(''));

// A plain URI with one character inserted, replaced or dropped somewhere.
const plain = fc.tuple(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9+\-.]{0,5}$/), fc.stringMatching(/^[a-zA-Z0-9\-._~]{1,10}$/), fc.constantFrom('', ':', ':8443'), fc.array(fc.stringMatching(/^[a-zA-Z0-9\-._~!$&'()*+,;=:@]{0,6}$/), { maxLength: 3 })).map(([scheme, host, port, path]) => `${scheme}://${host}${port}${path.map((p) => `/${p}`).join('')}`);
const edited = fc.tuple(plain, fc.nat(), fc.constantFrom('', ' ', '%', '%2', '%20', '"', '<', '[', ']', '#', '?', '/', ':', '@', '\\', '\n', '\u00e9', '\u0131', '\u212a', 'A'), fc.boolean()).map(([s, at, c, replace]) => {
  const i = at % (s.length + 1);
  return s.slice(0, i) + c + s.slice(replace ? i + 1 : i);
});

describe('uri format', () => {
  it('the plain shape is a subset of ajv-formats RFC 3986 uri', () => {
    fc.assert(
      fc.property(fc.oneof(uriLike, edited, fc.string()), (s) => {
        if (PLAIN_URI.test(s)) expect(fullUri(s)).toBe(true);
      }),
      { numRuns: 10000 },
    );
  });

  it.each([
    ['https://gitlab.example/group/project/-/jobs/777', true],
    ['git+https://gitlab.example/group/project@refs/heads/main', true],
    ['https://sscs.dev/buildtypes/gitlab-ci/v1', true],
    ['https://[::1]:8443/x?y=1#z', true],
    ['https://gitlab.example/a%20b', true],
    ['https://gitlab.example/a b', false],
    ['no scheme', false],
    ['https://gitlab.example/a%2', false],
  ])('%s: %s, as ajv-formats decides', (value, valid) => {
    expect(FORMATS.uri === fullUri).toBe(false);
    expect((FORMATS.uri as (v: string) => boolean)(value)).toBe(valid);
    expect(fullUri(value)).toBe(valid);
  });
});
