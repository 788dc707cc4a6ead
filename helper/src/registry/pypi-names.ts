/**
 * Python package names: PEP 503 normalisation and the name grammar of the core metadata spec
 * (`^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive).
 */

const VALID_NAME = /^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$/i;
/** No index serves longer names; a longer path is refused before it is looked at. */
export const MAX_PYPI_NAME_LENGTH = 200;

/** PEP 503: lowercase, every run of `-`, `_` and `.` one `-`. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function isValidPypiName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_PYPI_NAME_LENGTH && VALID_NAME.test(name);
}
