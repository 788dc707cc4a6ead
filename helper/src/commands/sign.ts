import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { defineCommand } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { readFileBounded } from '../io/files.js';
import { SIGNING_FLAGS } from '../sign/flags.js';
import { writeBundle } from '../sign/output.js';
import { openSession } from '../sign/session.js';
import { formatOf, summaryJson } from '../sign/summary.js';

/** The blob is signed in memory (@sigstore/sign takes a Buffer); refuse what would not fit comfortably. */
const MAX_BLOB_BYTES = 1024 * 1024 * 1024;

export default defineCommand({
  name: 'sign',
  summary: 'Sign a file (message signature) into a Sigstore bundle',
  usage: 'sscs sign FILE --bundle OUT.sigstore.json [signing flags]',
  description: `
Signs FILE's bytes and writes a Sigstore bundle v0.3 with a message signature over its SHA-256 digest.
Keyless by default ($SIGSTORE_ID_TOKEN and Fulcio), or with --key/--key-env. Prints the bundle path.`,
  flags: {
    bundle: { type: 'string', writes: 'file', valueName: 'OUT', description: 'Where to write the bundle.' },
    ...SIGNING_FLAGS,
  },
  positionals: { min: 1, max: 1, name: 'FILE' },
  examples: ['sscs sign dist/app.tar.gz --bundle dist/app.tar.gz.sigstore.json'],
  async run({ flags, positionals, io }) {
    if (!flags.bundle) throw new UsageError('MISSING_ARGUMENT', 'sscs sign: --bundle OUT is required');
    const format = formatOf(flags.format);
    const file = positionals[0]!;
    const data = await readFileBounded(resolve(io.cwd, file), MAX_BLOB_BYTES, 'file to sign');
    const session = await openSession(flags, io);
    const bundle = await session.sign('message', data);
    await writeBundle(resolve(io.cwd, flags.bundle), bundle, io.env);
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (format === 'json') io.stdout(`${JSON.stringify(summaryJson(session, { bundles: [{ path: flags.bundle, artifact: file, sha256 }] }), null, 2)}\n`);
    else io.stdout(`${flags.bundle}\n`);
    return 0;
  },
});
