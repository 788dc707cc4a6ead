import { resolve } from 'node:path';
import { defineCommand } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { assertNoSecret, type NamedPart } from '../io/secrets.js';
import { INTOTO_PAYLOAD_TYPE } from '../sign/constants.js';
import { SIGNING_FLAGS, secretFlagVariables } from '../sign/flags.js';
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
Prints the bundle paths, one per line. A bundle path or subject name holding the value of a secret variable is
refused (exit 2) before signing, naming the variable and the part, never the value.`,
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
    // The bundle paths are printed as data (one a line, or JSON), for scripts: the redactor would print a path
    // holding a secret's value as [REDACTED], naming a file that is not there. Refused before anything is signed.
    const paths = bundlePaths(flags.bundle, statements.length);
    const named: NamedPart[] = paths.map((p, i) => ({ name: paths.length === 1 ? 'the --bundle path' : `the --bundle path of statement ${i + 1}`, text: p }));
    assertNoSecret(paths.join('\0'), io.env, { what: 'the statements', verb: 'sign', alsoSecret: secretFlagVariables(flags), parts: () => named });
    // A signed statement is logged in public (Rekor) for good: a secret in it must stop here.
    // Its subject names are also printed as data (--format json): the error says which one holds the value.
    for (const s of statements) {
      assertNoSecret(s.payload, io.env, {
        file: flags.statement,
        what: `a bundle of statement ${s.line} (signing would publish it in the transparency log)`,
        alsoSecret: secretFlagVariables(flags),
        parts: () => s.subjects.map((subject, j) => ({ name: `the name of its subject ${j + 1}`, text: subject.name })),
      });
    }
    if (flags.key !== undefined || flags['key-env'] !== undefined) refuseUnverifiedIsolatedProvenance(statements, flags.statement);
    const session = await openSession(flags, io);
    const written = [];
    for (const [i, statement] of statements.entries()) {
      const bundle = await session.sign('dsse', statement.payload, INTOTO_PAYLOAD_TYPE);
      await writeBundle(resolve(io.cwd, paths[i]!), bundle, io.env);
      written.push({ path: paths[i]!, predicateType: statement.predicateType, subjects: statement.subjects.map((s) => s.name) });
    }
    const out = format === 'json' ? `${JSON.stringify(summaryJson(session, { bundles: written }), null, 2)}\n` : written.map((w) => `${w.path}\n`).join('');
    assertNoSecret(out, io.env, { what: 'the summary', verb: 'print', alsoSecret: secretFlagVariables(flags) });
    io.stdout(out);
    return 0;
  },
});
