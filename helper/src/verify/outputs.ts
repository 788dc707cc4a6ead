import { resolve } from 'node:path';
import type { Io } from '../cli/command.js';
import { isSscsError } from '../errors.js';
import { writeOutputFile } from '../io/files.js';
import { assertNoSecret } from '../io/secrets.js';
import { INTOTO_PAYLOAD_TYPE } from '../provenance/constants.js';
import type { SigningFlags } from '../sign/session.js';
import { VERSION } from '../version.js';
import { junitXml } from './junit.js';
import type { VerifyPolicy } from './policy.js';
import type { VerifyReport } from './verifier.js';
import { buildVsa } from './vsa.js';

/** The files `sscs verify` writes besides its verdict: a VSA (optionally signed) and a JUnit report. */
export interface OutputRequest {
  vsaOutput?: string;
  resourceUri?: string;
  /** Sign the VSA as a DSSE attestation, into this bundle, with these signing flags. */
  signVsa?: { bundle: string; flags: SigningFlags };
  junit?: string;
}

/** `vsa.json` -> `vsa.sigstore.json`. */
export function defaultVsaBundle(vsaOutput: string): string {
  return vsaOutput.endsWith('.json') ? `${vsaOutput.slice(0, -'.json'.length)}.sigstore.json` : `${vsaOutput}.sigstore.json`;
}

/**
 * Writes the JUnit report, then the VSA. With --sign-vsa the VSA is signed first and written only beside its
 * bundle: a VSA file alone, left by a signing that failed, would read like a result. When verification failed
 * and signing fails too, the check stays the result (exit 1): the signing error is printed, the VSA not written.
 */
export async function writeOutputs(report: VerifyReport, policy: VerifyPolicy, req: OutputRequest, io: Io): Promise<void> {
  if (req.junit !== undefined) await writeOutputFile(resolve(io.cwd, req.junit), junitXml(report), io.env, 'the JUnit report');
  if (req.vsaOutput === undefined) return;
  const vsa = buildVsa(report, { policy, verifierVersion: VERSION, ...(req.resourceUri !== undefined ? { resourceUri: req.resourceUri } : {}) });
  const payload = `${JSON.stringify(vsa)}\n`;
  if (req.signVsa) {
    // Before signing: a signed statement is published in the transparency log for good.
    assertNoSecret(payload, io.env, { file: req.vsaOutput, what: 'the VSA' });
    try {
      await signVsa(JSON.stringify(vsa), req.signVsa, io);
    } catch (e) {
      if (report.verified || !isSscsError(e)) throw e;
      io.stderr(`sscs verify: the VSA was not written: signing it failed: ${e.describe()}\n`);
      return;
    }
  }
  await writeOutputFile(resolve(io.cwd, req.vsaOutput), payload, io.env, 'the VSA');
}

async function signVsa(statement: string, req: NonNullable<OutputRequest['signVsa']>, io: Io): Promise<void> {
  // Signing loads @sigstore/sign: only when asked for.
  const { openSession } = await import('../sign/session.js');
  const { writeBundle } = await import('../sign/output.js');
  const session = await openSession(req.flags, io);
  const bundle = await session.sign('dsse', Buffer.from(statement), INTOTO_PAYLOAD_TYPE);
  await writeBundle(resolve(io.cwd, req.bundle), bundle, io.env);
}
