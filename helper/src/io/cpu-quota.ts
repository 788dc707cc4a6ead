import { closeSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Where the kernel's files are: the real ones, or a fixture tree in tests. */
export interface CgroupFiles {
  /** /proc/self/cgroup. */
  procSelfCgroup: string;
  /** Where the cgroup file systems are mounted: /sys/fs/cgroup. */
  mountRoot: string;
}

const REAL: CgroupFiles = { procSelfCgroup: '/proc/self/cgroup', mountRoot: '/sys/fs/cgroup' };
/** This process's quota from the real files, once read. */
let realQuota: { quota: number | undefined } | undefined;
/** The files read here are a line or a few; anything longer is not what they should be. */
const MAX_FILE_BYTES = 4096;
/** Folders above the process's own cgroup that are read, at most (a limit may sit on a parent). */
const MAX_ANCESTORS = 32;
/** cgroup v1 mount points that hold the `cpu` controller, as distributions and container runtimes name them. */
const V1_CPU_MOUNTS = ['cpu', 'cpu,cpuacct', 'cpuacct,cpu'];

/**
 * The CPUs this process may use: Node's availableParallelism() (the CPU affinity mask, and whatever libuv reads
 * of cgroups) and, never more, the CPU quota of the cgroup it runs in and of every cgroup above it: cgroup v2
 * `cpu.max` ("QUOTA PERIOD" or "max PERIOD"), cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1 for none),
 * as Kubernetes CPU limits and `docker run --cpus` set them. A quota of 1.5 CPUs counts as 1, and any quota as at
 * least 1 (Rust's std::thread::available_parallelism rounds the same way). A file that is missing, unreadable
 * or not in the kernel's format counts as no quota: this only sizes thread pools, it is no security check.
 * Linux only; elsewhere it is availableParallelism(). The real files are read once per process (a digest asks up
 * to three times: the walk, the choice of threads, the small-file worker); fixture files every time.
 */
export function usableCpus(files: CgroupFiles = REAL, cpus = availableParallelism()): number {
  if (files === REAL && process.platform !== 'linux') return cpus;
  const quota = files === REAL ? (realQuota ??= { quota: cgroupCpuQuota(REAL) }).quota : cgroupCpuQuota(files);
  return quota === undefined ? cpus : Math.max(1, Math.min(cpus, Math.floor(quota)));
}

/** The smallest CPU quota (in CPUs) on this process's cgroup path, or undefined when there is none. */
export function cgroupCpuQuota(files: CgroupFiles = REAL): number | undefined {
  const text = readSmall(files.procSelfCgroup);
  if (text === undefined) return undefined;
  let least: number | undefined;
  const take = (q: number | undefined) => {
    if (q !== undefined && (least === undefined || q < least)) least = q;
  };
  for (const line of text.split('\n')) {
    // hierarchy-ID:controller-list:cgroup-path (cgroups(7)); the path may itself hold ':'.
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (!path.startsWith('/')) continue;
    if (line.slice(0, first) === '0' && controllers === '') {
      for (const dir of ancestors(files.mountRoot, path)) take(v2Quota(readSmall(`${dir}/cpu.max`)));
    } else if (controllers.split(',').includes('cpu')) {
      for (const mount of V1_CPU_MOUNTS) {
        for (const dir of ancestors(`${files.mountRoot}/${mount}`, path)) take(v1Quota(readSmall(`${dir}/cpu.cfs_quota_us`), readSmall(`${dir}/cpu.cfs_period_us`)));
      }
    }
  }
  return least;
}

/** `root` joined with `path` and each of its parents up to `root` itself. Inside a container's cgroup namespace the path is "/". */
function ancestors(root: string, path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  const out: string[] = [];
  for (let n = parts.length; n >= 0 && out.length < MAX_ANCESTORS; n--) out.push(n === 0 ? root : `${root}/${parts.slice(0, n).join('/')}`);
  return out;
}

function v2Quota(text: string | undefined): number | undefined {
  const m = /^(\d{1,19}|max) (\d{1,19})\n?$/.exec(text ?? '');
  if (!m || m[1] === 'max') return undefined;
  return ratio(Number(m[1]), Number(m[2]));
}

function v1Quota(quota: string | undefined, period: string | undefined): number | undefined {
  const q = /^(-?\d{1,19})\n?$/.exec(quota ?? '');
  const p = /^(\d{1,19})\n?$/.exec(period ?? '');
  if (!q || !p) return undefined;
  return ratio(Number(q[1]), Number(p[1]));
}

function ratio(quota: number, period: number): number | undefined {
  return quota > 0 && period > 0 ? quota / period : undefined;
}

/** The file's text, if it exists and is at most MAX_FILE_BYTES; undefined otherwise. */
function readSmall(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(MAX_FILE_BYTES + 1);
    let n = 0;
    for (let k; n <= MAX_FILE_BYTES && (k = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += k;
    return n > MAX_FILE_BYTES ? undefined : buf.toString('utf8', 0, n);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
