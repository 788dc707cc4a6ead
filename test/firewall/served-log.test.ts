import { describe, expect, it } from 'vitest';
import { ServedLog } from '../../helper/src/firewall/served-log.js';

describe('served log', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 11, 1) + s * 1000);

  it('keeps the most recently served versions and names at most maxClients clients each', () => {
    const log = new ServedLog({ maxVersions: 3, maxClients: 2, retentionMs: 3_600_000 });
    for (let i = 0; i < 4; i++) log.record(`p${i}`, '1.0.0', { address: '10.0.0.1' }, at(i));
    log.record('p1', '1.0.0', { address: '10.0.0.2' }, at(10));
    log.record('p1', '1.0.0', { address: '10.0.0.3' }, at(11));
    log.record('p1', '1.0.0', { address: '10.0.0.1' }, at(12));
    const versions = [...log.versions(at(20))];
    expect(versions.map((v) => v.name)).toEqual(['p2', 'p3', 'p1']);
    const p1 = versions.find((v) => v.name === 'p1')!;
    expect(p1.clients.map((c) => [c.address, c.fetches])).toEqual([['10.0.0.1', 2], ['10.0.0.2', 1]]);
    expect(p1.otherClients).toBe(1);
  });

  it('forgets versions past the retention window', () => {
    const log = new ServedLog({ maxVersions: 10, maxClients: 2, retentionMs: 60_000 });
    log.record('old', '1.0.0', { address: '10.0.0.1' }, at(0));
    log.record('new', '1.0.0', { address: '10.0.0.1' }, at(100));
    expect([...log.versions(at(120))].map((v) => v.name)).toEqual(['new']);
    expect(log.size).toBe(1);
  });

  it('keeps only printable, bounded client headers and a well-formed npm-session', () => {
    const log = new ServedLog();
    log.record('p', '1.0.0', { address: '10.0.0.1', userAgent: `npm/10\r\nx-evil: 1${'a'.repeat(500)}`, npmSession: 'not hex!' }, at(0));
    const [c] = [...log.versions(at(1))][0]!.clients;
    expect(c!.userAgent).toMatch(/^npm\/10x-evil: 1a+$/);
    expect(c!.userAgent!.length).toBe(200);
    expect(c!.npmSession).toBeUndefined();
  });
});
