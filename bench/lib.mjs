// Shared benchmark helpers: run commands interleaved in one process, so machine noise hits all alike.
import { spawnSync } from 'node:child_process';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times whole processes: `cases` is [{ name, cmd, args, cwd, env? }]; runs each `runs` times, round-robin.
 * With `cpu`, each run goes through bash's `time`, which reports the process's own wall time and its CPU
 * time (user + system, ms precision, bash's start-up excluded): on a machine other work loads, CPU time
 * moves far less than wall time.
 */
export function timeProcesses(cases, runs, { warmup = 1, cpu = false } = {}) {
  const times = new Map(cases.map((c) => [c.name, { wall: [], cpu: [] }]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const c of cases) {
      const t0 = process.hrtime.bigint();
      const r = cpu
        ? spawnSync('/bin/bash', ['-c', 'TIMEFORMAT="%3R %3U %3S"; time "$@" >/dev/null 2>&1', 'bash', c.cmd, ...c.args], { cwd: c.cwd, stdio: ['ignore', 'ignore', 'pipe'], env: c.env ?? process.env })
        : spawnSync(c.cmd, c.args, { cwd: c.cwd, stdio: ['ignore', 'ignore', 'pipe'], env: c.env ?? process.env });
      let ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr}`);
      let cpuMs;
      if (cpu) {
        const [real, user, sys] = String(r.stderr).trim().split('\n').pop().split(' ').map(Number);
        ms = real * 1000;
        cpuMs = (user + sys) * 1000;
      }
      if (i >= warmup) {
        times.get(c.name).wall.push(ms);
        if (cpu) times.get(c.name).cpu.push(cpuMs);
      }
    }
  }
  return cases.map((c) => {
    const t = times.get(c.name);
    return { name: c.name, median: median(t.wall), runs: t.wall, ...(cpu ? { cpuMedian: median(t.cpu) } : {}) };
  });
}

export function printTable(title, rows, reference) {
  const ref = rows.find((r) => r.name === reference);
  const cpu = rows.every((r) => r.cpuMedian !== undefined);
  console.log(`\n${title}`);
  console.log(`${'command'.padEnd(44)}${'median'.padStart(12)}   ${'vs ' + reference.slice(0, 18)}${cpu ? `${'cpu (user+sys)'.padStart(22)}   ratio` : ''}`);
  for (const r of rows) {
    const ratio = ref ? `${(r.median / ref.median).toFixed(2)}x` : '';
    const cpuCols = cpu ? `${(r.cpuMedian.toFixed(0) + ' ms').padStart(22)}   ${ref && ref.cpuMedian > 0 ? `${(r.cpuMedian / ref.cpuMedian).toFixed(2)}x` : ''}` : '';
    console.log(`${r.name.padEnd(44)}${(r.median.toFixed(1) + ' ms').padStart(12)}   ${ratio.padEnd(21)}${cpuCols}`);
  }
}
