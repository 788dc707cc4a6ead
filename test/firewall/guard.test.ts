import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const GUARD = fileURLToPath(new URL('../../helper/dist/firewall/guard.js', import.meta.url));
const METRICS = fileURLToPath(new URL('../../helper/dist/firewall/metrics.js', import.meta.url));

/** A process with the guard installed lets a rejection and an exception escape, then says whether it lived. */
const SCRIPT = `
const { guardProcess } = await import(${JSON.stringify(GUARD)});
const { Metrics } = await import(${JSON.stringify(METRICS)});
const metrics = new Metrics();
guardProcess({ metrics, log: (f) => process.stderr.write(JSON.stringify(f) + '\\n') });
Promise.reject(Object.assign(new Error('write after destroy'), { code: 'ERR_STREAM_DESTROYED' }));
setTimeout(() => { throw new Error('thrown from a timer'); }, 10);
setTimeout(() => { process.stdout.write(metrics.render()); }, 100);
`;

describe('firewall process guard', () => {
  it('logs and counts a rejection and an exception that escaped, and the process carries on', async () => {
    const r = await execa(process.execPath, ['--input-type=module', '-e', SCRIPT], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('sscs_firewall_escaped_errors_total{kind="unhandled-rejection"} 1');
    expect(r.stdout).toContain('sscs_firewall_escaped_errors_total{kind="uncaught-exception"} 1');
    const lines = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines.map((l) => [l.event, l.kind, l.error, l.code])).toEqual([
      ['escaped-error', 'unhandled-rejection', 'write after destroy', 'ERR_STREAM_DESTROYED'],
      ['escaped-error', 'uncaught-exception', 'thrown from a timer', undefined],
    ]);
  });
});
