import { describe, expect, it } from 'vitest';
import { ScanPool } from '../../helper/dist/scan/pool.js';
import { MAX_TIMER_MS } from '../../helper/dist/scan/timer.js';
import { runCli } from '../support/cli.js';

// Node fires a timer longer than 2^31-1 ms after 1 ms: such a budget would end every package's scan at once.
describe('--scan-budget-ms: the longest Node timer', () => {
  it('is 2^31-1 ms', () => {
    expect(MAX_TIMER_MS).toBe(2147483647);
  });

  it.each([
    ['the flag', ['--scan-budget-ms', '2147483648'], {}, '2147483648'],
    ['its environment variable', [], { SSCS_FIREWALL_SCAN_BUDGET_MS: '1e12' }, '1e12'],
  ])('a budget above it given by %s is bad usage (exit 2), named, before anything starts', async (_, flags, env, shown) => {
    const r = await runCli(['firewall', 'serve', '--policy', 'p.yml', '--upstream', 'http://127.0.0.1:9/', '--scan', ...flags], { env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`--scan-budget-ms must be at most 2147483647 (2^31-1 ms, about 24.8 days: the longest timer Node keeps), not '${shown}'`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace for a user error
  });

  it('a pool refuses a budget its timer cannot keep', () => {
    expect(() => new ScanPool({ budgetMs: MAX_TIMER_MS + 1 })).toThrow(RangeError);
    expect(() => new ScanPool({ budgetMs: 0 })).toThrow(RangeError);
    expect(() => new ScanPool({ budgetMs: MAX_TIMER_MS })).not.toThrow();
  });
});
