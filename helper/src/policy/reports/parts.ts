import type { NamedPart } from '../../io/secrets.js';
import type { CheckResult } from '../check.js';

/**
 * The parts of a policy check's result that came from its inputs, named for an error that must not quote them
 * (io/secrets.ts assertNoSecret): the policy file's name, the feed's path, each package's record (its name,
 * path, URL and the decision's reason, which may quote them), the expired waivers and the registry errors.
 */
export function* resultParts(result: CheckResult): Generator<NamedPart> {
  yield { name: 'the --policy file name', text: result.policy };
  yield { name: 'the --malicious-feed path', text: result.checks.maliciousFeed ?? undefined };
  const packages = result.records.length;
  for (const [i, r] of result.records.entries()) {
    yield { name: `the result for package ${i + 1} of ${packages} read from ${r.sources.join(', ')} (its name, version, path, URL or reason)`, text: JSON.stringify(r) };
  }
  for (const [i, w] of result.expiredWaivers.entries()) yield { name: `expired waiver ${i + 1} of the policy`, text: JSON.stringify(w) };
  for (const [i, e] of result.errors.entries()) yield { name: `registry error ${i + 1}`, text: e };
}
