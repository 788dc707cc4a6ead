import type { Node } from './parse.js';

/**
 * The text of a template literal without substitutions (`` `http://1.2.3.4/x` ``), which the rules grade as the
 * string literal it equals; undefined when it has substitutions or an escape that cooks to nothing (tagged only).
 */
export function plainTemplateText(n: Node): string | undefined {
  if ((n.expressions as Node[]).length > 0) return undefined;
  const cooked = ((n.quasis as Node[])[0]?.value as { cooked?: string | null } | undefined)?.cooked;
  return typeof cooked === 'string' ? cooked : undefined;
}
