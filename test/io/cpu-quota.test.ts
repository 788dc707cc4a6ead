import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../support/tmp.js';
import { cgroupCpuQuota, usableCpus } from '../../helper/src/io/cpu-quota.js';

/** A fixture of /proc/self/cgroup and /sys/fs/cgroup: `files` relative to the mount root. */
function machine(procSelfCgroup: string, files: Record<string, string>) {
  const dir = tempDir({ 'proc-self-cgroup': procSelfCgroup, ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`sys/${k}`, v])) });
  return { procSelfCgroup: join(dir, 'proc-self-cgroup'), mountRoot: join(dir, 'sys') };
}

describe('usableCpus', () => {
  it('reads a cgroup v2 cpu.max inside a container (path "/") and rounds a fraction down, to at least 1', () => {
    expect(usableCpus(machine('0::/\n', { 'cpu.max': '200000 100000\n' }), 8)).toBe(2);
    expect(usableCpus(machine('0::/\n', { 'cpu.max': '150000 100000\n' }), 8)).toBe(1);
    expect(usableCpus(machine('0::/\n', { 'cpu.max': '50000 100000\n' }), 8)).toBe(1);
    expect(usableCpus(machine('0::/\n', { 'cpu.max': 'max 100000\n' }), 8)).toBe(8);
  });

  it('takes the smallest quota on the cgroup v2 path, a parent included, and never more than the affinity mask', () => {
    const m = machine('0::/kubepods/pod1/ctr\n', { 'kubepods/pod1/cpu.max': '300000 100000\n', 'kubepods/pod1/ctr/cpu.max': 'max 100000\n' });
    expect(cgroupCpuQuota(m)).toBe(3);
    expect(usableCpus(m, 16)).toBe(3);
    expect(usableCpus(m, 2)).toBe(2);
  });

  it('reads cgroup v1 quotas under the cpu, cpu,cpuacct and cpuacct,cpu mounts; -1 is no quota', () => {
    expect(usableCpus(machine('4:cpu,cpuacct:/docker/abc\n2:memory:/docker/abc\n', { 'cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '100000\n', 'cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000\n' }), 4)).toBe(1);
    expect(usableCpus(machine('1:cpu:/ci\n', { 'cpu/ci/cpu.cfs_quota_us': '250000\n', 'cpu/ci/cpu.cfs_period_us': '100000\n' }), 4)).toBe(2);
    expect(usableCpus(machine('1:cpuacct,cpu:/\n', { 'cpuacct,cpu/cpu.cfs_quota_us': '-1\n', 'cpuacct,cpu/cpu.cfs_period_us': '100000\n' }), 4)).toBe(4);
  });

  it('counts no quota when the files are missing, malformed or too long (it sizes thread pools; it checks nothing)', () => {
    expect(usableCpus({ procSelfCgroup: '/nonexistent/cgroup', mountRoot: '/nonexistent' }, 3)).toBe(3);
    expect(usableCpus(machine('0::/\n', {}), 3)).toBe(3);
    expect(usableCpus(machine('0::/\n', { 'cpu.max': 'lots 100000\n' }), 3)).toBe(3);
    expect(usableCpus(machine('0::/\n', { 'cpu.max': '0 100000\n' }), 3)).toBe(3);
    expect(usableCpus(machine('0::/\n', { 'cpu.max': `100000 100000\n${' '.repeat(5000)}` }), 3)).toBe(3);
    expect(usableCpus(machine('garbage\n\n::\n', { 'cpu.max': '100000 100000\n' }), 3)).toBe(3);
    // A path that tries to climb out of the mount root reads nothing outside it.
    expect(usableCpus(machine('0::/../../etc\n', { 'cpu.max': '100000 100000\n' }), 3)).toBe(1);
  });
});
