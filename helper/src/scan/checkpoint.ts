/**
 * Points between two pieces of a scan (a chunk of an archive read, a file analysed) where the process that hosts
 * the scan may end it. A scan worker (worker.ts) installs a check that exits the process once its package's time
 * budget is spent or its pool is gone: the analysis of a package is synchronous and long, and neither a timer nor
 * the IPC channel's `disconnect` is seen until it returns. Elsewhere (`sscs scan`, tests) no check is installed.
 */

let check: (() => void) | undefined;

/** Installs (or, with undefined, removes) the check every checkpoint runs; it ends the process or returns. */
export function setCheckpoint(fn: (() => void) | undefined): void {
  check = fn;
}

/** Runs the installed check, if any. Cheap: called once per chunk read and per file analysed. */
export function checkpoint(): void {
  check?.();
}
