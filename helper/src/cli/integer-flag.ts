import { UsageError } from '../errors.js';

/** Decimal digits only: no sign, point, exponent (`1e3`), hex (`0x10`), separator (`1_000`) or space, which Number() takes. */
const DECIMAL = /^[0-9]+$/;

/** Values up to this many characters are quoted in the error; a longer one is described by its length. */
const QUOTED_CHARS = 40;

/**
 * The value of an integer option (`--timeout-ms`, `--max-subjects-per-statement`): plain decimal digits, from `min`
 * to `max` inclusive. UsageError USAGE (exit 2) otherwise, naming the option, the range and the value as given when
 * it is at most 40 characters long, else its length: a cut value (a secret's value passed by mistake) would no
 * longer match what the output redactor hides. `Number()` alone took `1e3`, `0x10`, `' 5 '` and `5.0`.
 */
export function parseIntegerFlag(flag: string, value: string, min: number, max: number): number {
  const n = DECIMAL.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) {
    throw new UsageError('USAGE', `--${flag} must be a whole number from ${min} to ${max}, not ${value.length <= QUOTED_CHARS ? `'${value}'` : `a value of ${value.length} characters`}`, {
      ...(DECIMAL.test(value) ? {} : { hint: 'Write it in decimal digits only: no sign, point, exponent (1e3), hex or separator.' }),
    });
  }
  return n;
}
