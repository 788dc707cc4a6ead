/**
 * The work one file's code analysis may do, counted in work rather than time, so that a file gets the same
 * verdict on any machine and under any load. Parsing and walking a tree are linear in the file; what is not is
 * what the analysis builds from it: constant folding turns `a * 1000000` (Python) or `a + a` over a 32 KB constant
 * (JavaScript) into a string hundreds of thousands of times the size of its source, which is then tested and, in
 * Python, parsed again. Without a bound a 2 KB file of such lines held a scan for minutes (64 lines: 13 s).
 *
 * Units: one per expression node folded, plus one per character of every string folding builds and every
 * character parsed again (Python code built from strings). A file may spend BASE_UNITS plus UNITS_PER_CHAR per
 * character of its own; past that, folding gives up (values stay unknown, as for any non-constant), the analysis
 * finishes on what it has, and the file is reported as not fully analysed (rules/code.ts, python/rule.ts).
 */

/** Units any file may spend, however small: 16 Mi, a few hundred large folds. */
export const BASE_UNITS = 16 * 1024 * 1024;
/** Units per character of the file on top of BASE_UNITS. */
export const UNITS_PER_CHAR = 64;

interface Budget {
  limit: number;
  spent: number;
}

/** The budget of the file being analysed in this thread (analysis is synchronous), if any. */
let current: Budget | undefined;

/**
 * Runs `analyse` under the budget of a file of `chars` characters; `exhausted` says whether it ran out (and so
 * whether values were left unfolded). Nested calls share the outer file's budget.
 */
export function withBudget<T>(chars: number, analyse: () => T): { value: T; exhausted: boolean; spent: number } {
  if (current) {
    const value = analyse();
    return { value, exhausted: current.spent > current.limit, spent: current.spent };
  }
  const budget: Budget = { limit: BASE_UNITS + UNITS_PER_CHAR * chars, spent: 0 };
  current = budget;
  try {
    const value = analyse();
    return { value, exhausted: budget.spent > budget.limit, spent: budget.spent };
  } finally {
    current = undefined;
  }
}

/** Spends `units` of the current file's budget: false once it is exhausted (the caller stops). */
export function spend(units: number): boolean {
  if (!current) return true;
  current.spent += units;
  return current.spent <= current.limit;
}
