import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTrust, type Trust } from '../../helper/src/verify/sigstore-checks.js';
import { verifyBundle } from '../../helper/src/verify/verifier.js';
import type { VerifyPolicy } from '../../helper/src/verify/policy.js';
import { runCli } from '../support/cli.js';
import { attest, provenanceStatement, sanFor } from '../support/e2e.js';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';

/**
 * Every single-field corruption of bundles we produced (DSSE from `sscs attest`, message signature from
 * `sscs sign`) must be rejected: signature, payload, certificate, tlog body, inclusion proof, checkpoint, SET,
 * timestamp. Verified in process (the same pipeline the CLI runs). The local Rekor (@sigstore/mock) proves
 * every entry in a one-leaf tree, so proofs carry no hashes here; corrupted proof hashes are covered by the
 * conformance case inclusion-proof-corrupted-hash_fail.
 */

type Json = Record<string, unknown> | unknown[];
interface Mutation {
  name: string;
  apply(b: Json): void;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DECIMAL = /^\d+$/;

/** Corruptions of one string field: bits flipped at the start, middle and end of its bytes, or a digit changed. */
function corruptions(value: string): { how: string; value: string }[] {
  if (DECIMAL.test(value)) return [{ how: '+1', value: String(BigInt(value) + 1n) }];
  if (value.length >= 4 && BASE64.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    return [0, bytes.length >> 1, bytes.length - 1].map((at) => {
      const copy = Buffer.from(bytes);
      copy[at]! ^= 0x01;
      return { how: `bit flip at byte ${at}`, value: copy.toString('base64') };
    });
  }
  // Text (the checkpoint note, payload type, kind): change one character in the middle.
  const at = value.length >> 1;
  return [{ how: `char ${at} changed`, value: value.slice(0, at) + (value[at] === 'x' ? 'y' : 'x') + value.slice(at + 1) }];
}

/** One mutation per corruption of every string leaf (the mediaType aside: another version is another format). */
function mutations(bundle: Json): Mutation[] {
  const out: Mutation[] = [];
  const walk = (node: Json, path: (string | number)[]) => {
    for (const [k, v] of Object.entries(node)) {
      const key = Array.isArray(node) ? Number(k) : k;
      const here = [...path, key];
      if (typeof v === 'string' && !(path.length === 0 && k === 'mediaType')) {
        for (const c of corruptions(v)) {
          out.push({
            name: `${here.join('.')} (${c.how})`,
            apply: (b) => {
              let target: any = b;
              for (const p of path) target = target[p];
              target[key] = c.value;
            },
          });
        }
      } else if (typeof v === 'object' && v !== null) walk(v as Json, here);
    }
  };
  walk(bundle, []);
  return out;
}

describe('verify rejects every single-field corruption', () => {
  let stack: LocalSigstore;
  let dir: string;
  let artifact: string;
  let trust: Trust;
  let policy: VerifyPolicy;
  const produced: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startLocalSigstore();
    dir = mkdtempSync(join(tmpdir(), 'sscs-verify-mutation-'));
    artifact = join(dir, 'app.tar.gz');
    writeFileSync(artifact, 'the build output\n');
    produced.dsse = await attest(stack, dir, 'prov', provenanceStatement(stack, [{ name: 'app.tar.gz', bytes: readFileSync(artifact) }]));
    produced.message = join(dir, 'app.sigstore.json');
    const r = await runCli(['sign', artifact, '--bundle', produced.message, '--signing-config', stack.signingConfigPath], { env: { SIGSTORE_ID_TOKEN: stack.mintToken() } });
    expect(r.stderr).toBe('');
    trust = makeTrust(JSON.parse(readFileSync(stack.trustedRootPath, 'utf8')));
    policy = { certificateIdentity: { exact: sanFor(stack) }, certificateOidcIssuer: stack.issuerUrl };
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const check = (json: unknown) => verifyBundle({ bundleFile: { path: 'mutant', json, sha256: '' }, artifacts: [{ kind: 'file', name: 'app.tar.gz', path: artifact }], trust, policy });

  for (const kind of ['dsse', 'message'] as const) {
    it(`rejects each corruption of a ${kind} bundle`, async () => {
      const original = JSON.parse(readFileSync(produced[kind]!, 'utf8')) as Json;
      expect((await check(original)).verified).toBe(true);
      const all = mutations(original);
      const survivors: string[] = [];
      const covered = new Set<string>();
      for (const m of all) {
        const mutant = structuredClone(original);
        m.apply(mutant);
        const report = await check(mutant);
        if (report.verified) survivors.push(m.name);
        else covered.add(report.checks.find((c) => c.status === 'failed')!.name);
      }
      expect(survivors).toEqual([]);
      // What the corruptions covered: the DSSE bundle also carries an RFC 3161 timestamp.
      for (const field of ['signature', 'certificate', 'tlogEntries.0.canonicalizedBody', 'inclusionProof.rootHash', 'inclusionProof.treeSize', 'checkpoint.envelope', 'signedEntryTimestamp', ...(kind === 'dsse' ? ['payload', 'rfc3161Timestamps'] : ['messageDigest'])]) {
        expect(all.some((m) => m.name.includes(field)), field).toBe(true);
      }
      console.info(`mutation: ${all.length} single-field corruptions of the ${kind} bundle, all rejected (first failing checks: ${[...covered].sort().join(', ')})`);
    });
  }

  it('never fails with an internal error on a structurally broken bundle', async () => {
    const original = JSON.parse(readFileSync(produced.dsse!, 'utf8')) as Json;
    const paths: (string | number)[][] = [];
    const walk = (node: Json, path: (string | number)[]) => {
      for (const [k, v] of Object.entries(node)) {
        const here = [...path, Array.isArray(node) ? Number(k) : k];
        paths.push(here);
        if (typeof v === 'object' && v !== null) walk(v as Json, here);
      }
    };
    walk(original, []);
    const replacements: unknown[] = [undefined, null, 0, '', [], {}, 'x'.repeat(5)];
    let runs = 0;
    for (const path of paths) {
      for (const value of replacements) {
        const mutant = structuredClone(original) as any;
        let target = mutant;
        for (const p of path.slice(0, -1)) target = target[p];
        if (value === undefined) delete target[path.at(-1)!];
        else target[path.at(-1)!] = value;
        // Verification may pass when an optional, redundant field goes (an inclusion proof beside a SET);
        // what must never happen is an exception escaping the pipeline. The round trip makes it real JSON.
        await expect(check(JSON.parse(JSON.stringify(mutant))), `${path.join('.')} = ${JSON.stringify(value)}`).resolves.toHaveProperty('verified');
        runs++;
      }
    }
    expect(runs).toBeGreaterThan(100);
  });
});
