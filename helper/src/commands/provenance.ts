import { hash } from 'node:crypto';
import { resolve } from 'node:path';
import { defineCommand, type Io } from '../cli/command.js';
import { isSecretName } from '../io/secrets.js';
import { parseIntegerFlag } from '../cli/integer-flag.js';
import { ISSUER_FLAG, VERIFY_TOKEN_FLAGS, configuredIssuer, tokenVerification } from '../cli/issuer-flag.js';
import { SUBJECT_FLAGS, hasSubjectFlags, subjectsFromFlags } from '../cli/subject-flags.js';
import { InputError, UsageError } from '../errors.js';
import { captureBuildContext } from '../gitlab/context.js';
import { localGitFacts } from '../gitlab/local.js';
import { DEFAULT_TOKEN_VARIABLE } from '../gitlab/variables.js';
import { readJsonFile, writeFileAtomicSync } from '../io/files.js';
import { PRIVATE_KEY_BLOCK, assertNoSecret } from '../io/secrets.js';
import { DEFAULT_MAX_SUBJECTS_PER_STATEMENT, type TrustMode } from '../provenance/constants.js';
import { buildPredicate } from '../provenance/predicate.js';
import { importRunnerStatement } from '../provenance/runner.js';
import { buildStatements } from '../provenance/statement.js';
import type { Statement } from '../provenance/types.js';
import { provenanceJsonLines } from '../provenance/validate.js';
import { MAX_SUBJECTS } from '../subjects/collect.js';
import { digestFileSync } from '../subjects/digest.js';
import { HELPER_PATH, IS_BUNDLE, VERSION, bundleBytes } from '../version.js';

const TRUST_MODES: readonly TrustMode[] = ['build-job', 'isolated'];
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INPUT_KEY = /^[a-z0-9_][a-z0-9_.-]*$/i;
/** More subjects per statement than a run may have would change nothing. */
const MAX_SUBJECTS_RANGE = [1, MAX_SUBJECTS] as const;

export default defineCommand({
  name: 'provenance',
  summary: 'Generate SLSA v1 provenance (an in-toto statement) for build outputs',
  usage: "sscs provenance --subject 'dist/**' --output provenance.intoto.jsonl [flags]",
  description: `Captures the GitLab build context (job variables, and the claims of the job's ID token when the job has one: the claims win, and any variable that disagrees is an error), digests the subjects, and writes in-toto Statement v1 / SLSA Provenance v1, one statement per line. Past --max-subjects-per-statement subjects it writes several statements.

With --verify-id-token (the isolated-provenance component passes it whenever it signs with a key) the token's signature is checked against the instance's keys (<--oidc-issuer>/oauth/discovery/keys, or --oidc-jwks-file), with its iss, aud, exp, nbf and iat, and the statement records only facts the verified claims carry (trust.factsFrom verified-token): no job name, image, start time or runner self-description, which a dotenv report could set.

Trust modes (--builder): build-job = the build job writes its own provenance (SLSA Build L2); isolated = a separate job that the build's steps cannot touch (SLSA Build L3), which digests every subject itself and so refuses --subject-checksums.`,
  flags: {
    ...SUBJECT_FLAGS,
    output: { type: 'string', short: 'o', writes: 'stdout-or-file', valueName: 'FILE', description: "Where to write the statements (JSON Lines); default or '-': standard output." },
    builder: { type: 'string', valueName: 'build-job|isolated', default: 'build-job', description: 'Who writes this provenance: the build job itself (L2) or an isolated job (L3).' },
    ...ISSUER_FLAG,
    ...VERIFY_TOKEN_FLAGS,
    'identity-token-env': { type: 'string', valueName: 'NAME', default: DEFAULT_TOKEN_VARIABLE, description: 'The variable holding the job ID token whose claims are recorded.' },
    'allow-variable': { type: 'string', multiple: true, valueName: 'NAME', description: 'Record this variable and its value as an external parameter.' },
    input: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'Record a CI/CD component input as an external parameter.' },
    'max-subjects-per-statement': { type: 'string', valueName: 'N', integer: MAX_SUBJECTS_RANGE, default: String(DEFAULT_MAX_SUBJECTS_PER_STATEMENT), description: 'Split into several statements past this many subjects.' },
    'from-runner': { type: 'string', valueName: 'FILE', description: 'Import the statement GitLab Runner writes with RUNNER_GENERATE_ARTIFACTS_METADATA=true, as a correct v1 statement.' },
    local: { type: 'boolean', description: 'A dry run outside CI: missing GitLab variables come from git or placeholders, and the builder id says local.' },
    format: { type: 'string', choices: ['text', 'json'], valueName: 'text|json', default: 'text', description: 'Summary format (the statements themselves always go to --output).' },
  },
  examples: [
    "sscs provenance --subject 'dist/**' --output provenance.intoto.jsonl",
    "sscs provenance --builder isolated --subject 'dist/*.tgz' --output provenance.intoto.jsonl",
    "sscs provenance --builder isolated --verify-id-token --oidc-issuer https://gitlab.example.com --subject 'dist/*.tgz' --output provenance.intoto.jsonl",
    'sscs provenance --image $CI_REGISTRY_IMAGE@$DIGEST --output image.intoto.jsonl',
    'sscs provenance --from-runner artifacts-metadata.json --output provenance.intoto.jsonl',
  ],
  async run({ flags, io }) {
    if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError('USAGE', `--format must be text or json, not '${flags.format}'`);
    const max = parseIntegerFlag('max-subjects-per-statement', flags['max-subjects-per-statement'], ...MAX_SUBJECTS_RANGE);
    const tokenVariable = flags['identity-token-env'];
    const allow = allowListedVariables(flags['allow-variable'] ?? [], tokenVariable, io);

    let statements: Statement[];
    if (flags['from-runner']) {
      if (hasSubjectFlags(flags)) throw new UsageError('CONFLICTING_FLAGS', '--from-runner takes its subjects from the runner metadata: drop the subject flags');
      const file = flags['from-runner'];
      statements = [importRunnerStatement(await readJsonFile(resolve(io.cwd, file), 'runner metadata'), file, new Set(allow))];
    } else {
      const trustMode = parseTrustMode(flags.builder, flags.local === true);
      refuseBuildDigests(flags.builder, flags['subject-checksums']);
      const verification = tokenVerification(flags, (p) => resolve(io.cwd, p));
      if (verification && flags.local) throw new UsageError('CONFLICTING_FLAGS', '--verify-id-token checks a CI job\'s token: it cannot be used with --local');
      const expectedIssuer = verification?.issuer ?? configuredIssuer(flags['oidc-issuer'], io.env);
      const token = io.env[tokenVariable];
      if (verification && !token) {
        throw new InputError('TOKEN', `--verify-id-token: $${tokenVariable} is not set: the job has no ID token to verify`, {
          hint: 'The isolated-provenance component declares id_tokens: SIGSTORE_ID_TOKEN (aud: sigstore); a job defined elsewhere needs the same.',
        });
      }
      // Loaded only here: jose is not part of every provenance run's start-up.
      const verifiedClaims = verification && token ? await (await import('../gitlab/id-token-verify.js')).verifyGitLabIdToken(token, { ...verification, variable: tokenVariable }) : undefined;
      const context = captureBuildContext(io.env, {
        tokenVariable,
        ...(expectedIssuer ? { expectedIssuer } : {}),
        ...(verifiedClaims ? { verifiedClaims } : {}),
        local: flags.local === true,
        ...(flags.local ? { localFacts: await localGitFacts(io.cwd) } : {}),
      });
      const subjects = await subjectsFromFlags(flags, io, 'provenance');
      const predicate = buildPredicate({
        context,
        trustMode,
        inputs: parseInputs(flags.input ?? []),
        variables: recordVariables(allow, io),
        helper: { version: VERSION, ...(IS_BUNDLE ? { sha256: helperSha256() } : {}) },
        finishedOn: new Date(),
      });
      statements = buildStatements(subjects, predicate, max);
    }
    // Every statement checked against its schemas, as the JSON text that is written.
    const text = provenanceJsonLines(statements);
    // Checked wherever it goes: on standard output the redactor would only hide the value in a statement meant to be signed.
    assertNoSecret(text, io.env, { ...(flags.output ? { file: flags.output } : {}), what: 'the provenance', alsoSecret: [tokenVariable] });
    if (flags.output) writeFileAtomicSync(resolve(io.cwd, flags.output), text);
    else io.stdout(text);
    report(io, flags.format, flags.output, statements);
    return 0;
  },
});

/**
 * The SHA-256 of the helper that runs, recorded among the resolved dependencies so that a verifier can tell which
 * build of sscs wrote the statement. The bundle's digest cannot be written into it at build time (it would change
 * the file it describes), so it is taken here: from the bytes the loader read and ran its code from, which spares
 * reading the 2 MB file again, else from the file.
 */
function helperSha256(): string {
  const bytes = bundleBytes();
  return bytes ? hash('sha256', bytes, 'hex') : (digestFileSync(HELPER_PATH, ['sha256']).sha256 as string);
}

function parseTrustMode(value: string, local: boolean): TrustMode {
  if (!(TRUST_MODES as readonly string[]).includes(value)) throw new UsageError('USAGE', `--builder must be build-job or isolated, not '${value}'`);
  return local ? 'local' : (value as TrustMode);
}

/**
 * SLSA Build L3 claims that the isolated job computed every subject digest itself. A checksums file is the build's
 * own word on its digests (recorded unread, for files that may not even exist), so the isolated builder never
 * takes one, --local or not.
 */
function refuseBuildDigests(builder: string, checksumFiles: readonly string[] | undefined): void {
  if (builder !== 'isolated' || !checksumFiles?.length) return;
  throw new UsageError('CONFLICTING_FLAGS', '--subject-checksums cannot be used with --builder isolated: the digests in a checksums file are the build\'s word, and the isolated job must compute every digest itself', {
    hint: "Name the files the build job handed over with --subject (e.g. --subject 'dist/*.tgz'), or a tar archive with --subject-tar.",
  });
}

/** Names only: a secret's value must never reach provenance, even when asked for by name. */
function allowListedVariables(names: string[], tokenVariable: string, io: Io): string[] {
  for (const name of names) {
    if (!VARIABLE_NAME.test(name)) throw new UsageError('USAGE', `--allow-variable '${name}' is not a variable name`);
    if (name === tokenVariable || isSecretName(name) || PRIVATE_KEY_BLOCK.test(io.env[name] ?? '')) {
      throw new UsageError('USAGE', `--allow-variable ${name}: refusing to record a secret variable's value`, {
        hint: 'Variables whose names say TOKEN, SECRET, PASSWORD, CREDENTIAL or AUTH, or have KEY as a word part, those holding a PEM private key, and the ID token are never written.',
      });
    }
  }
  return [...new Set(names)].sort();
}

function recordVariables(names: string[], io: Io): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = io.env[name];
    if (value === undefined) io.stderr(`sscs provenance: note: --allow-variable ${name} is not set; not recorded\n`);
    else out[name] = value;
  }
  return out;
}

function parseInputs(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? '' : pair.slice(0, eq);
    if (!INPUT_KEY.test(key)) throw new UsageError('USAGE', `--input '${pair}' is not KEY=VALUE`);
    if (key in out) throw new InputError('INPUT', `--input ${key} is given twice`);
    out[key] = pair.slice(eq + 1);
  }
  return out;
}

function report(io: Io, format: string, output: string | undefined, statements: Statement[]): void {
  const subjects = statements.reduce((n, s) => n + s.subject.length, 0);
  if (format === 'json') {
    const summary = { output: output ?? null, statements: statements.length, subjects, builder: (statements[0]?.predicate as { runDetails?: { builder?: { id?: string } } })?.runDetails?.builder?.id };
    (output ? io.stdout : io.stderr)(`${JSON.stringify(summary)}\n`);
  } else if (output) {
    io.stderr(`sscs provenance: wrote ${statements.length} statement${statements.length === 1 ? '' : 's'} covering ${subjects} subject${subjects === 1 ? '' : 's'} to ${output}\n`);
  }
}
