import { resolve } from 'node:path';
import { defineCommand } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { assertNoSecret } from '../io/secrets.js';
import { INTOTO_PAYLOAD_TYPE } from '../sign/constants.js';
import { SIGNING_FLAGS } from '../sign/flags.js';
import { refuseUnverifiedIsolatedProvenance } from '../sign/key-provenance.js';
import { bundlePaths, writeBundle } from '../sign/output.js';
import { openSession } from '../sign/session.js';
import { readStatements } from '../sign/statements.js';
import { formatOf, summaryJson } from '../sign/summary.js';

export default defineCommand({
  name: 'attest',
  summary: 'Sign in-toto statements (DSSE) into Sigstore bundles',
  usage: 'sscs attest --statement FILE --bundle OUT.sigstore.json [signing flags]',
  description: `
Signs each in-toto statement in FILE (one JSON document, or JSON Lines as 'sscs provenance' writes) as a DSSE
envelope (payloadType ${INTOTO_PAYLOAD_TYPE}) and writes a Sigstore bundle v0.3. With several statements the
bundles are OUT.1.sigstore.json, OUT.2.sigstore.json, ... Keyless by default: the job's OIDC token
($SIGSTORE_ID_TOKEN) gets a short-lived certificate from Fulcio; the signature is logged in Rekor and/or
timestamped by a TSA. With --key/--key-env the bundle names the key instead, and Rekor/TSA are used only when given.
Prints the bundle paths, one per line.`,
  flags: {
    statement: { type: 'string', valueName: 'FILE', description: 'In-toto statement(s): a JSON document or JSON Lines.' },
    bundle: { type: 'string', writes: 'file', valueName: 'OUT', description: 'Where to write the bundle (OUT.N.sigstore.json with several statements).' },
    ...SIGNING_FLAGS,
  },
  examples: [
    'sscs attest --statement provenance.intoto.jsonl --bundle provenance.sigstore.json',
    'sscs attest --statement sbom.intoto.json --bundle sbom.sigstore.json --key-env SIGNING_KEY',
  ],
  async run({ flags, io }) {
    if (!flags.statement) throw new UsageError('MISSING_ARGUMENT', 'sscs attest: --statement FILE is required');
    if (!flags.bundle) throw new UsageError('MISSING_ARGUMENT', 'sscs attest: --bundle OUT is required');
    const format = formatOf(flags.format);
    const statements = await readStatements(resolve(io.cwd, flags.statement));
    // A signed statement is logged in public (Rekor) for good: a secret in it must stop here.
    for (const s of statements) assertNoSecret(s.payload, io.env, { file: flags.statement, what: `a bundle of statement ${s.line} (signing would publish it in the transparency log)`, alsoSecret: secretFlagVariables(flags) });
    if (flags.key !== undefined || flags['key-env'] !== undefined) refuseUnverifiedIsolatedProvenance(statements, flags.statement);
    const session = await openSession(flags, io);
    const paths = bundlePaths(flags.bundle, statements.length);
    const written = [];
    for (const [i, statement] of statements.entries()) {
      const bundle = await session.sign('dsse', statement.payload, INTOTO_PAYLOAD_TYPE);
      await writeBundle(resolve(io.cwd, paths[i]!), bundle, io.env);
      written.push({ path: paths[i]!, predicateType: statement.predicateType, subjects: statement.subjects.map((s) => s.name) });
    }
    if (format === 'json') io.stdout(`${JSON.stringify(summaryJson(session, { bundles: written }), null, 2)}\n`);
    else io.stdout(written.map((w) => `${w.path}\n`).join(''));
    return 0;
  },
});

/** The variables this command's flags say hold a key or a token: their values are secrets whatever their names. */
function secretFlagVariables(flags: { 'key-env'?: string | undefined; 'identity-token-env'?: string | undefined }): string[] {
  return [flags['key-env'], flags['identity-token-env']].filter((n): n is string => n !== undefined);
}
