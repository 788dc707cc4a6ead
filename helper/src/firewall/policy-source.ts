/** The policy file, through the one policy engine, as the firewall's PolicySource. */
import { createHash } from 'node:crypto';
import { readFileBounded } from '../io/files.js';
import { evaluate, loadPolicy, type Mode } from '../policy/index.js';
import type { PolicySource } from './evaluator.js';
import { CONDITION_NAMES, type ConditionName } from '../policy/types.js';

export interface FilePolicy extends PolicySource {
  mode: Mode;
  /** Whether any rule tests `typosquat`: the check's index costs seconds and ~200 MB, so it is built only then. */
  usesTyposquat: boolean;
  /** The conditions its rules test: the firewall fetches full packuments only for facts one of them needs. */
  conditions: ConditionName[];
}

export async function policyFromFile(path: string, modeOverride?: Mode): Promise<FilePolicy> {
  const policy = await loadPolicy(path);
  const text = await readFileBounded(path, undefined, 'policy file');
  const mode = modeOverride ?? policy.mode ?? 'enforce';
  // The version keys the filtered-packument cache: a different policy or mode never reuses a cached result.
  const version = createHash('sha256').update(text).update(`\0${mode}`).digest('hex').slice(0, 16);
  return {
    version,
    mode,
    usesTyposquat: (policy.rules ?? []).some((r) => r.when?.typosquat !== undefined),
    conditions: CONDITION_NAMES.filter((c) => (policy.rules ?? []).some((r) => r.when?.[c] !== undefined)),
    evaluate(pkg, facts, now) {
      const d = evaluate(policy, pkg, facts, now);
      if (mode === 'enforce' || d.action === 'allow' || d.action === 'warn') return d;
      // warn mode: serve, but say what enforce mode would have done.
      return { ...d, action: 'warn', notes: [...(d.notes ?? []), `would ${d.action} in enforce mode`] };
    },
  };
}
