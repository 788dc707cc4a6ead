/**
 * Version semantics, one module per scheme and chosen by name, as Renovate's "versioning" modules are: the
 * policy engine, the feeds and the readers compare, sort and match versions only through this interface, so
 * an ecosystem brings its scheme (npm: semver; PyPI: PEP 440; Maven next: its ComparableVersion).
 */
export interface Versioning {
  /** The scheme's name: `semver`, `pep440`. */
  readonly scheme: string;
  /** Whether `version` is a version in this scheme. */
  isVersion(version: string): boolean;
  /** Whether two versions are the same release (PEP 440: `1.0` and `1.0.0`); string equality when either is no version. */
  equals(a: string, b: string): boolean;
  /**
   * The version's normal form, the one spelling a report keys and prints it by (PEP 440 "Normalization": `02.0`
   * -> `2.0`, `2.0-post1` -> `2.0.post1`, `1.0RC1` -> `1.0rc1`); the text as given when it is not a version here.
   */
  normalize(version: string): string;
  /** Order of two versions (<0, 0, >0); undefined when either is not a version in this scheme. */
  compare(a: string, b: string): number | undefined;
  /**
   * A predicate over versions for a range in this scheme's grammar (semver: `^1.2 || >=3`; PEP 440: `>=1.0,<2`,
   * `~=1.4`, `==1.2.*`, and a bare version meaning exactly that release). Prereleases are included, so that a
   * deny rule over a range also catches `2.0.0-rc.1`/`2.0rc1`. Undefined when the text is not a range here.
   */
  range(text: string): ((version: string) => boolean) | undefined;
  /** How the scheme's ranges look, for error messages: `a semver range`, `a PEP 440 specifier`. */
  readonly rangeWords: string;
}
