/** Milliseconds per unit of a policy duration (`30m`, `48h`, `7d`, `2w`). */
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION_RE = /^([1-9][0-9]*)(m|h|d|w)$/;

/** Parses a policy duration to milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** `3h`, `2d 4h`: how long ago or how long until, rounded for people. */
export function humanDuration(ms: number): string {
  const abs = Math.max(0, ms);
  if (abs < UNIT_MS.h) return `${Math.max(1, Math.round(abs / UNIT_MS.m))}m`;
  if (abs < UNIT_MS.d) return `${Math.round(abs / UNIT_MS.h)}h`;
  const days = Math.floor(abs / UNIT_MS.d);
  const hours = Math.round((abs - days * UNIT_MS.d) / UNIT_MS.h);
  return hours ? `${days}d ${hours}h` : `${days}d`;
}
