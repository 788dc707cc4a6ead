import type { Ecosystem } from '../ecosystems/index.js';
import { ecosystemOf } from '../ecosystems/index.js';
import { buildTyposquatIndex, NPM_AFFIXES, type Affixes, type TyposquatIndex } from './typosquat-index.js';
import { KNOWN_LEGIT_NAMES, POPULAR_NPM_NAMES } from './popular-npm.js';
import { KNOWN_LEGIT_PYPI_NAMES, POPULAR_PYPI_NAMES } from './popular-pypi.js';

/** Each ecosystem's popular names (most popular first), known legitimate neighbours, and the affixes squatters use there. */
const LISTS: Record<Ecosystem, { popular: readonly string[]; legit: readonly string[]; affixes: Affixes }> = {
  npm: { popular: POPULAR_NPM_NAMES, legit: KNOWN_LEGIT_NAMES, affixes: NPM_AFFIXES },
  // `python-requests`, `requests-py`, `pyrequests`: the affixes seen on PyPI typosquats.
  pypi: { popular: POPULAR_PYPI_NAMES, legit: KNOWN_LEGIT_PYPI_NAMES, affixes: { suffixes: ['python', 'py'], prefixes: ['python', 'py'] } },
};

const indexes = new Map<Ecosystem, TyposquatIndex>();

/**
 * Popular package names of the same ecosystem that `name` likely imitates (edit distance, separator or scope
 * confusion, homoglyphs, the ecosystem's affixes), most popular first. Empty for the popular names themselves and
 * for known legitimate neighbours. Names compare in the ecosystem's normal form (PyPI: PEP 503), so
 * `Requests` and `requests` are the same project, not a typosquat. Each index is built on first use.
 */
export function typosquatTargets(name: string, ecosystem: Ecosystem = 'npm'): string[] {
  let index = indexes.get(ecosystem);
  if (!index) {
    const { popular, legit, affixes } = LISTS[ecosystem];
    index = buildTyposquatIndex(popular, legit, affixes);
    indexes.set(ecosystem, index);
  }
  return index.targets(ecosystemOf(ecosystem).normalizeName(name));
}
