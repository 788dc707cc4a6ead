import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { defineCommand } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { readFileBounded } from '../io/files.js';
import { assertNoSecret, flagPart, type NamedPart } from '../io/secrets.js';
import { SIGNING_FLAGS, secretFlagVariables } from '../sign/flags.js';
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
Keyless by default ($SIGSTORE_ID_TOKEN and Fulcio), or with --key/--key-env. Prints the bundle path. A bundle
path (with --format json, a file name too) holding the value of a secret variable is refused (exit 2) before
signing, naming the variable and the part, never the value.`,
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
    // What is printed is data (the bundle path; with --format json the file's name too), for scripts: the redactor
    // would print a name holding a secret's value as [REDACTED], a path that is not there. Refused before signing.
    const named: NamedPart[] = [flagPart('bundle', 'path', flags.bundle), ...(format === 'json' ? [{ name: 'argument 1 (the name of the file to sign)', text: file }] : [])];
    assertNoSecret(named.map((p) => p.text).join('\0'), io.env, { what: 'FILE', verb: 'sign', alsoSecret: secretFlagVariables(flags), parts: () => named });
    const data = await readFileBounded(resolve(io.cwd, file), MAX_BLOB_BYTES, 'file to sign');
    const session = await openSession(flags, io);
    const bundle = await session.sign('message', data);
    await writeBundle(resolve(io.cwd, flags.bundle), bundle, io.env);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const out = format === 'json' ? `${JSON.stringify(summaryJson(session, { bundles: [{ path: flags.bundle, artifact: file, sha256 }] }), null, 2)}\n` : `${flags.bundle}\n`;
    assertNoSecret(out, io.env, { what: 'the summary', verb: 'print', alsoSecret: secretFlagVariables(flags) });
    io.stdout(out);
    return 0;
  },
});
