import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalSigstore } from '../../helper/src/localstack/stack.js';

export type { GitLabClaims, MintOptions } from '../../helper/src/localstack/claims.js';
export type { LocalSigstore } from '../../helper/src/localstack/stack.js';
export { OID } from '../../helper/src/localstack/extensions.js';

/**
 * Starts the local Sigstore in this process (Fulcio-like CA, Rekor-like log, TSA, GitLab-style OIDC issuer on
 * 127.0.0.1) and writes trusted_root.json, signing_config.json and env into `dir` (a fresh temp dir by
 * default). Start it once per test file (beforeAll) and close it in afterAll.
 */
export async function startLocalSigstore(opts: { dir?: string } = {}): Promise<LocalSigstore> {
  return startLocalStack(opts.dir ?? mkdtempSync(join(tmpdir(), 'sscs-sigstore-')));
}
