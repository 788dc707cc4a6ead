/**
 * Typosquat detection over a list of popular names. Everything is precomputed into maps so that one check is a
 * few dozen lookups: symmetric-deletion neighbourhoods for Damerau-Levenshtein distance, and collapsed keys for
 * separator, scope and homoglyph confusion.
 */

/** Shortest popular name checked by edit distance: shorter names sit one edit away from too many others. */
export const MIN_EDIT_LENGTH = 5;
/**
 * One edit at most, whatever the length: two edits on long names (`@aws-sdk/client-*`, `@types/*`) mostly meet
 * other legitimate members of the same family, and depth-2 deletion neighbourhoods cost seconds to build.
 */
export const MAX_EDITS = 1;
/** Shortest collapsed key compared for separator/scope/homoglyph confusion. */
const MIN_KEY_LENGTH = 4;
/** Affixes squatters add to a popular name, compared after separators go: npm's by default (`cross-env.js`, `node-lodash`). */
export interface Affixes {
  suffixes: readonly string[];
  prefixes: readonly string[];
}
export const NPM_AFFIXES: Affixes = { suffixes: ['js', 'node', 'npm'], prefixes: ['node', 'js', 'npm'] };

/** Lookalike characters mapped to the ASCII letter they imitate (Cyrillic, Greek, Latin extensions, digits). */
const CONFUSABLES: Record<string, string> = {
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ӏ: 'l', ԛ: 'q', ԝ: 'w', һ: 'h', к: 'k', м: 'm', т: 't', в: 'b', н: 'h',
  α: 'a', ο: 'o', ρ: 'p', ν: 'v', ι: 'i', κ: 'k', τ: 't', υ: 'u', χ: 'x', ε: 'e',
  ı: 'i', ɡ: 'g', ł: 'l', ø: 'o', đ: 'd', '0': 'o', '1': 'l',
};

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export interface TyposquatIndex {
  /** Popular names `name` likely imitates, most popular first; empty for popular and known-legitimate names. */
  targets(name: string): string[];
}

/** NFKC, lower case, combining marks dropped, confusables mapped to ASCII. */
export function skeleton(name: string): string {
  // Fast path for the usual all-ASCII name: only case and look-alike digits to map.
  if (PRINTABLE_ASCII.test(name)) return name.toLowerCase().replace(/[01]/g, (d) => CONFUSABLES[d]!);
  let out = '';
  for (const ch of name.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFKC').toLowerCase()) out += CONFUSABLES[ch] ?? ch;
  return out;
}

/** The name with scope markers and separators removed: `@types/foo`, `types-foo` and `typesfoo` meet. */
export function collapse(name: string): string {
  return skeleton(name).replace(/[@/._-]/g, '');
}

function deletions(word: string, depth: number, out: Set<string>): Set<string> {
  out.add(word);
  if (depth === 0) return out;
  for (let i = 0; i < word.length; i++) {
    const d = word.slice(0, i) + word.slice(i + 1);
    if (!out.has(d)) deletions(d, depth - 1, out);
  }
  return out;
}

/** Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions), capped early. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

const allowedEdits = (target: string): number => (target.length >= MIN_EDIT_LENGTH ? MAX_EDITS : 0);

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) {
    if (!list.includes(value)) list.push(value);
  } else map.set(key, [value]);
}

export function buildTyposquatIndex(popular: readonly string[], knownLegit: readonly string[], affixes: Affixes = NPM_AFFIXES): TyposquatIndex {
  const rank = new Map<string, number>();
  popular.forEach((n, i) => rank.has(n) || rank.set(n, i));
  const exempt = new Set([...popular, ...knownLegit]);
  const byDeletion = new Map<string, string[]>();
  const byKey = new Map<string, string[]>();
  for (const name of rank.keys()) {
    const edits = allowedEdits(name);
    if (edits > 0) for (const d of deletions(name, edits, new Set())) push(byDeletion, d, name);
    const key = collapse(name);
    if (key.length >= MIN_KEY_LENGTH) push(byKey, key, name);
  }

  return {
    targets(name: string): string[] {
      if (exempt.has(name)) return [];
      const found = new Set<string>();
      const key = collapse(name);
      // Separator, scope and homoglyph confusion: the same collapsed key as a popular name.
      for (const t of byKey.get(key) ?? []) found.add(t);
      // Affix tricks: the key minus a common prefix or suffix is a popular name's key.
      for (const s of affixes.suffixes) if (key.endsWith(s)) for (const t of byKey.get(key.slice(0, -s.length)) ?? []) found.add(t);
      for (const p of affixes.prefixes) if (key.startsWith(p)) for (const t of byKey.get(key.slice(p.length)) ?? []) found.add(t);
      // Edit distance on the lower-cased, confusable-mapped name.
      const sk = skeleton(name);
      for (const d of sk.length < MIN_EDIT_LENGTH ? [] : deletions(sk, MAX_EDITS, new Set())) {
        for (const t of byDeletion.get(d) ?? []) {
          if (!found.has(t) && t !== sk && editDistance(sk, t, allowedEdits(t)) <= allowedEdits(t)) found.add(t);
        }
      }
      found.delete(name);
      return [...found].sort((a, b) => rank.get(a)! - rank.get(b)!);
    },
  };
}
