#!/usr/bin/env node
/**
 * `npm run sigstore:local -- --out DIR`: a local Sigstore (CA, log, TSA, GitLab-style OIDC issuer) for tests and
 * for trying the components without the public-good instance. Dev-only: it needs the @sigstore/mock
 * devDependency and never ships in the CLI bundle.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack } from './stack.js';

const USAGE = 'usage: npm run sigstore:local -- --out DIR';
/** How often to check that whoever started us is still there. */
const PARENT_CHECK_MS = 1000;

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
  const pidFile = join(stack.dir, 'pid');
  await writeFile(pidFile, `${process.pid}\n`);
  process.stdout.write(
    [
      `fulcio   ${stack.fulcioUrl}`,
      `rekor    ${stack.rekorUrl}`,
      `tsa      ${stack.tsaUrl}`,
      `issuer   ${stack.issuerUrl}`,
      `trusted root    ${stack.trustedRootPath}`,
      `signing config  ${stack.signingConfigPath}`,
      `env             ${stack.envPath}`,
      `pid             ${pidFile}`,
      `mint a token:   npm run sigstore:local:token -- --dir ${stack.dir}   (or POST ${stack.issuerUrl}/mint)`,
      'ready; stop with SIGTERM or Ctrl-C',
      '',
    ].join('\n'),
  );
  await new Promise<void>((done) => {
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
    // npm does not pass SIGTERM on to a script's process, so `kill <npm pid>` would leave the stack running
    // orphaned: stop when the parent goes away (or use `kill $(cat DIR/pid)`).
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) done();
    }, PARENT_CHECK_MS).unref();
  });
  await stack.close();
  await rm(pidFile, { force: true });
  process.stdout.write('stopped\n');
  return 0;
}

process.exitCode = await main();
