import { buildTyposquatIndex, type TyposquatIndex } from './typosquat-index.js';
import { KNOWN_LEGIT_NAMES, POPULAR_NPM_NAMES } from './popular-npm.js';

let index: TyposquatIndex | undefined;

/**
 * Popular npm package names that `name` likely imitates (edit distance, separator or scope confusion,
 * homoglyphs, `-js`/`node-` affixes), most popular first. Empty for the popular names themselves and for
 * known legitimate neighbours. The index over the shipped list is built on first use.
 */
export function typosquatTargets(name: string): string[] {
  index ??= buildTyposquatIndex(POPULAR_NPM_NAMES, KNOWN_LEGIT_NAMES);
  return index.targets(name);
}
