import { argumentParts, flagPart, type NamedPart } from '../io/secrets.js';
import type { VerifyReport } from './verifier.js';

/**
 * The parts of `sscs verify --format json`'s report that came from inputs, named for an error that must not
 * quote them (io/secrets.ts assertNoSecret): first the names given on the command line.
 */
export function jsonParts(positionals: readonly string[], bundle: string, trustedRoot: string | undefined): NamedPart[] {
  return [...argumentParts(positionals, 'an artifact name'), flagPart('bundle', 'path', bundle), { name: 'the trusted root path (--trusted-root or SSCS_TRUSTED_ROOT)', text: trustedRoot }];
}

/** What the bundle adds to the JSON report, named for an error that must not quote it. */
export function* reportParts(report: VerifyReport): Generator<NamedPart> {
  for (const [i, a] of report.artifacts.entries()) yield { name: `the statement subject matched by argument ${i + 1}`, text: a.subject };
  yield { name: "the signer identity of the bundle's certificate", text: report.signer ? JSON.stringify(report.signer) : undefined };
  yield { name: 'a provenance field of the statement', text: report.provenance ? JSON.stringify(report.provenance) : undefined };
  for (const c of report.checks) yield { name: `the result of the ${c.name} check`, text: JSON.stringify(c) };
}
