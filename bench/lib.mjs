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

/**
 * Detection rates of the scanner evaluations (scan-eval.mjs, scan-eval-python.mjs): rows keyed by rule family and
 * kind (must detect / must not), each with per-mode counts { n, medium, high } of reports at or above a severity.
 */
export function rateTable(atLeast) {
  const rows = new Map();
  return {
    /** Counts one scan; returns whether the report said what the case expects (≥medium to detect, <high to pass). */
    add(family, must, mode, report) {
      const key = `${family}\0${must}`;
      const row = rows.get(key) ?? { family, must, modes: {} };
      rows.set(key, row);
      const m = (row.modes[mode] ??= { n: 0, medium: 0, high: 0 });
      m.n++;
      if (atLeast(report, 'medium')) m.medium++;
      if (atLeast(report, 'high')) m.high++;
      return atLeast(report, must ? 'medium' : 'high') === must;
    },
    /**
     * Prints one line per row (must-detect first, then by family): the ≥medium rate per mode in `modes` (names)
     * and the ≥high count over all modes. Returns the totals: must[mode] = [flagged, n] at
     * ≥medium; not.high and not.medium = [flagged, n] over every mode.
     */
    print(title, modes) {
      const cell = (m) => (m ? `${String(m.medium).padStart(3)}/${String(m.n).padEnd(3)}${pct(m.medium, m.n)}` : '        -     ');
      console.log(title);
      console.log(`${'family'.padEnd(46)}${'kind'.padEnd(12)}${modes.map((x) => `${x} ≥medium`.padEnd(22)).join('')}any mode ≥high`);
      const total = { must: Object.fromEntries(modes.map((x) => [x, [0, 0]])), not: { high: [0, 0], medium: [0, 0] } };
      for (const r of [...rows.values()].sort((a, b) => Number(b.must) - Number(a.must) || a.family.localeCompare(b.family))) {
        const high = Object.values(r.modes).reduce((a, m) => [a[0] + m.high, a[1] + m.n], [0, 0]);
        console.log(`${r.family.padEnd(46)}${(r.must ? 'must-detect' : 'must-not').padEnd(12)}${modes.map((x) => cell(r.modes[x]).padEnd(22)).join('')}${high[0]}/${high[1]}`);
        for (const [mode, m] of Object.entries(r.modes)) {
          if (r.must) {
            total.must[mode][0] += m.medium;
            total.must[mode][1] += m.n;
          } else {
            total.not.high[0] += m.high;
            total.not.high[1] += m.n;
            total.not.medium[0] += m.medium;
            total.not.medium[1] += m.n;
          }
        }
      }
      return total;
    },
  };
}

/** `a` of `b` as a whole percentage, padded to 5 ('-' when b is 0). */
export const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(0)}%` : '-').padStart(5);
