#!/usr/bin/env node
/**
 * `npm run sigstore:local -- --out DIR`: a local Sigstore (CA, log, TSA, GitLab-style OIDC issuer) for tests and
 * for trying the components without the public-good instance. Dev-only: it needs the @sigstore/mock
 * devDependency and never ships in the CLI bundle.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack } from './stack.js';

const USAGE = 'usage: npm run sigstore:local -- --out DIR';

async function main(): Promise<number> {
  let out: string | undefined;
  try {
    ({ values: { out } } = parseArgs({ options: { out: { type: 'string' } }, strict: true }));
  } catch (e) {
    process.stderr.write(`sigstore:local: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!out) {
    process.stderr.write(`sigstore:local: --out DIR is required\n${USAGE}\n`);
    return 2;
  }
  const stack = await startLocalStack(resolve(out));
  process.stdout.write(
    [
      `fulcio   ${stack.fulcioUrl}`,
      `rekor    ${stack.rekorUrl}`,
      `tsa      ${stack.tsaUrl}`,
      `issuer   ${stack.issuerUrl}`,
      `trusted root    ${stack.trustedRootPath}`,
      `signing config  ${stack.signingConfigPath}`,
      `env             ${stack.envPath}`,
      `mint a token:   npm run sigstore:local:token -- --dir ${stack.dir}   (or POST ${stack.issuerUrl}/mint)`,
      'ready; stop with SIGTERM or Ctrl-C',
      '',
    ].join('\n'),
  );
  await new Promise<void>((done) => {
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
  await stack.close();
  process.stdout.write('stopped\n');
  return 0;
}

process.exitCode = await main();
