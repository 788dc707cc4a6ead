import parse, { type LicenseNode } from 'spdx-expression-parse';
import satisfies from 'spdx-satisfies';
import type { LicenseCondition } from './types.js';

/** Result of a license check: whether the condition holds, or why it cannot be told. */
export type LicenseVerdict = { violates: boolean; detail: string } | { unknown: string };

function leafText(node: { license: string; plus?: boolean; exception?: string }): string {
  return `${node.license}${node.plus ? '+' : ''}${node.exception ? ` WITH ${node.exception}` : ''}`;
}

/** The expression in disjunctive normal form: each inner list is one way to comply (all of its licenses). */
function choices(node: LicenseNode): string[][] {
  if ('license' in node) return [[leafText(node)]];
  const left = choices(node.left);
  const right = choices(node.right);
  const size = node.conjunction === 'or' ? left.length + right.length : left.length * right.length;
  if (size > MAX_CHOICES) throw new RangeError('license expression too complex');
  if (node.conjunction === 'or') return [...left, ...right];
  return left.flatMap((l) => right.map((r) => [...l, ...r]));
}

/** Upper bound on DNF size: `(A OR B) AND (C OR D) AND ...` grows exponentially. */
const MAX_CHOICES = 256;

/**
 * Evaluates a license condition over an SPDX expression. `allow`: violates when no way to comply uses only
 * allowed licenses. `deny`: violates when every way to comply uses a denied license. An expression that is
 * not SPDX (e.g. `SEE LICENSE IN LICENSE.md`) cannot be judged: the caller applies the unknown outcome.
 */
export function checkLicense(expression: string, cond: LicenseCondition): LicenseVerdict {
  let tree: LicenseNode;
  try {
    tree = parse(expression);
  } catch {
    return { unknown: `license '${expression}' is not a valid SPDX expression` };
  }
  if (cond.allow && !satisfiesSafely(expression, cond.allow)) {
    return { violates: true, detail: `license ${expression} is not in the allowed list` };
  }
  if (cond.deny) {
    const dnf = boundedChoices(tree);
    if (dnf === undefined) return { unknown: `license '${expression}' is too complex to evaluate` };
    const denied = (leaf: string) => satisfiesSafely(leaf, cond.deny!);
    if (dnf.every((choice) => choice.some(denied))) {
      return { violates: true, detail: `license ${expression} is denied` };
    }
  }
  return { violates: false, detail: `license ${expression} is acceptable` };
}

function boundedChoices(tree: LicenseNode): string[][] | undefined {
  try {
    return choices(tree);
  } catch {
    return undefined;
  }
}

function satisfiesSafely(expression: string, list: string[]): boolean {
  try {
    return satisfies(expression, list);
  } catch {
    // spdx-satisfies throws for identifiers it cannot compare; an exact id match is still meaningful.
    return list.includes(expression);
  }
}
