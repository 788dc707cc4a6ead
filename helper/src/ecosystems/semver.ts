import semver from 'semver';
import type { Versioning } from './versioning.js';

/** npm's versions: semver 2.0 as node-semver reads it (https://semver.org, npm's range grammar). */
export const SEMVER: Versioning = {
  scheme: 'semver',
  rangeWords: 'a semver range',
  isVersion: (v) => semver.valid(v) !== null,
  // npm versions are exact strings in the registry: `1.0.0+build` is another version than `1.0.0` there.
  equals: (a, b) => a === b,
  // For the same reason a version is its own normal form.
  normalize: (v) => v,
  compare(a, b) {
    const pa = semver.parse(a, { loose: true });
    const pb = semver.parse(b, { loose: true });
    return pa && pb ? semver.compare(pa, pb) : undefined;
  },
  range(text) {
    if (semver.validRange(text) === null) return undefined;
    const r = new semver.Range(text, { includePrerelease: true });
    return (v) => r.test(v);
  },
};
