import * as pep440 from '@renovatebot/pep440';
import type { Versioning } from './versioning.js';

/**
 * PyPI's versions: PEP 440 (packaging.python.org "Version specifiers"), through Renovate's maintained
 * implementation rather than our own: epochs, pre/post/dev releases, local labels, `~=` and `==1.2.*` are easy to
 * get subtly wrong. A bare version as a range means that release (`1.0` matches `1.0.0`, as `==1.0` does).
 */
export const PEP440: Versioning = {
  scheme: 'pep440',
  rangeWords: 'a PEP 440 version specifier',
  isVersion: (v) => pep440.valid(v) !== null,
  equals: (a, b) => a === b || (pep440.valid(a) !== null && pep440.valid(b) !== null && pep440.eq(a, b)),
  normalize(v) {
    // explain's parts, not pep440.clean: clean writes a local label's separators as `,` (`1.0+local,a`).
    const e = pep440.explain(v);
    return e ? `${e.public}${e.local ? `+${e.local}` : ''}` : v;
  },
  compare(a, b) {
    return pep440.valid(a) !== null && pep440.valid(b) !== null ? pep440.compare(a, b) : undefined;
  },
  range(text) {
    const spec = text.trim();
    if (pep440.valid(spec) !== null) return (v) => pep440.valid(v) !== null && pep440.eq(v, spec);
    if (!pep440.validRange(spec)) return undefined;
    return (v) => pep440.valid(v) !== null && pep440.satisfies(v, spec, { prereleases: true });
  },
};
