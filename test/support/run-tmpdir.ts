/**
 * Vitest global setup: every temporary file of a test run goes under one folder of its own, removed when the run
 * ends. Tests, and the clients and servers they start (npm, pip, PostgreSQL, Chromium), make their temporary
 * folders with os.tmpdir() or mkdtemp, which read TMPDIR; not all of them remove what they made, and a long-lived
 * machine that runs the suite many times filled its disk (76 GB of leftovers in /tmp). The workers are started
 * after this runs, so they inherit TMPDIR.
 *
 * The folder is world-writable and sticky like /tmp, since some tests run servers as another user (PostgreSQL as
 * `nobody`). A run's folder left by a run that was killed is removed by a later run once it is a day old.
 */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'sscs-run-';
/** A run's folder older than this is a killed run's: no run of the suite lasts a day. */
const STALE_MS = 24 * 60 * 60 * 1000;

export default function setup(): () => Promise<void> {
  const base = tmpdir();
  for (const name of readdirSync(base)) {
    if (!name.startsWith(PREFIX)) continue;
    const path = join(base, name);
    try {
      const st = lstatSync(path);
      if (st.isDirectory() && Date.now() - st.mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another run removed it first, or it cannot be removed: it is not this run's.
    }
  }
  const dir = mkdtempSync(join(base, PREFIX));
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  // Removed without blocking: the pool is still stopping its workers when this runs (a few GB of venvs and stores).
  return async () => {
    process.env.TMPDIR = base;
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  };
}
