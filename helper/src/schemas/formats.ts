import { fullFormats } from 'ajv-formats/dist/formats.js';

/**
 * A URI of the plain shape every URI in sscs's own provenance has (`https://gitlab.example/group/project`,
 * `git+https://host/path@refs/heads/main`): a scheme, `//`, a host of unreserved characters, an optional
 * port and a path with neither percent-encoding nor query nor fragment. Each part is a subset of the
 * corresponding part of ajv-formats' RFC 3986 `uri` expression, under the same flags, so whatever this
 * matches that one matches too (test/schemas/formats.test.ts checks it on generated strings).
 */
const PLAIN_URI = /^[a-z][a-z0-9+\-.]*:\/\/[a-z0-9\-._~]+(?::\d*)?(?:\/[a-z0-9\-._~!$&'()*+,;=:@]*)*$/i;

/**
 * ajv-formats' full formats, as the generated validators use them, with one change of cost and none of
 * verdict: `uri` tries PLAIN_URI first. The RFC 3986 expression is 1,100 characters under /i, and V8
 * compiles it on first use and again on the second: 4-9 ms of every `sscs provenance`, which checks six
 * URIs (node --cpu-prof, bench/fixed-costs.mjs), against microseconds for PLAIN_URI. A URI of any other
 * shape still goes to the full expression, whose verdict stands.
 */
export const FORMATS: typeof fullFormats = {
  ...fullFormats,
  uri: (value: string) => PLAIN_URI.test(value) || (fullFormats.uri as (value: string) => boolean)(value),
};

/** The RFC 3986 check alone, for the test that PLAIN_URI stays within it. */
export const fullUri = fullFormats.uri as (value: string) => boolean;
export { PLAIN_URI };
