// What /proc tells about the stack's processes: resident memory (now and peak) and CPU seconds,
// so a figure that misses its target can be traced to the process that was busy.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface Memory {
  rssMb: number;
  peakMb: number;
}

/** VmRSS and VmHWM (the peak) of a process, or null when it is gone or unknown. */
export function memoryOf(pid: number | null): Memory | null {
  if (!pid) return null;
  const status = read(`/proc/${pid}/status`);
  if (!status) return null;
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** The processes whose CPU the report splits time between; null members are not measured. */
export interface ProcessGroups {
  api: number | null;
  worker: number | null;
  /** Temporal dev server. */
  temporal: number | null;
  /** The postmaster; its backends are counted with it. */
  postgres: number | null;
}

/**
 * CPU seconds per group; `steal` is the time the hypervisor gave this machine's cores to others
 * (all cores added up): when it is high, every other figure of the run is low.
 */
export type CpuSnapshot = Record<keyof ProcessGroups | 'bench' | 'steal', number | null>;

/** Steal time of all cores so far, from /proc/stat's `cpu` line (8th value), in seconds. */
function stealSeconds(): number | null {
  const line = read('/proc/stat')
    ?.split('\n')
    .find((l) => l.startsWith('cpu '));
  const steal = line ? Number(line.trim().split(/\s+/)[8]) : NaN;
  return Number.isFinite(steal) ? steal / TICKS_PER_SECOND : null;
}

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Stat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime + cutime + cstime, in ticks (children that exited included). */
  ticks: number;
}

function statOf(pid: number): Stat | null {
  const raw = read(`/proc/${pid}/stat`);
  if (!raw) return null;
  // comm may hold spaces and parentheses: the fixed fields start after the last ')'.
  const close = raw.lastIndexOf(')');
  const fields = raw.slice(close + 2).split(' ');
  const num = (i: number) => Number(fields[i - 3]);
  return { pid, ppid: num(4), comm: raw.slice(raw.indexOf('(') + 1, close), ticks: num(14) + num(15) + num(16) + num(17) };
}

function allStats(): Stat[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => statOf(Number(d)))
    .filter((s): s is Stat => s !== null);
}

/** The direct child of `parent` whose command name is `comm` (to find servers we spawned). */
export function childNamed(parent: number, comm: string): number | null {
  return allStats().find((s) => s.ppid === parent && s.comm === comm)?.pid ?? null;
}

export function cpuSnapshot(groups: ProcessGroups): CpuSnapshot {
  const stats = allStats();
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const seconds = (pids: number[]) => pids.reduce((sum, pid) => sum + (byPid.get(pid)?.ticks ?? 0), 0) / TICKS_PER_SECOND;
  const one = (pid: number | null) => (pid && byPid.has(pid) ? seconds([pid]) : null);
  const pg = groups.postgres;
  return {
    api: one(groups.api),
    worker: one(groups.worker),
    temporal: one(groups.temporal),
    postgres: pg && byPid.has(pg) ? seconds([pg, ...stats.filter((s) => s.ppid === pg).map((s) => s.pid)]) : null,
    bench: seconds([process.pid]),
    steal: stealSeconds(),
  };
}

/** CPU seconds each group used between two snapshots (null where a process was not measured). */
export function cpuUsed(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  const keys = Object.keys(after) as (keyof CpuSnapshot)[];
  return Object.fromEntries(
    keys.map((k) => {
      const a = after[k];
      const b = before[k];
      return [k, a === null || b === null ? null : a - b];
    }),
  ) as CpuSnapshot;
}

/** "worker 40%, temporal 70%, ...": each group's share of one core over `wallSeconds`. */
export function cpuShares(used: CpuSnapshot, wallSeconds: number): string {
  const parts = Object.entries(used).map(([k, v]) => (v === null ? `${k} n/a` : `${k} ${Math.round((v / wallSeconds) * 100)}%`));
  return `${parts.join(', ')} (100% = one core of ${os.availableParallelism()})`;
}

/**
 * CPU milliseconds per unit of work for each group, and the rate the measured processes could reach
 * if they had every core to themselves: a figure that holds up on a machine shared with other work.
 */
export function cpuPerUnit(used: CpuSnapshot, units: number, unit: string): string {
  const measured = Object.entries(used).filter(([k, v]) => v !== null && k !== 'bench' && k !== 'steal') as [string, number][];
  const perUnit = measured.map(([k, v]) => [k, (v * 1000) / units] as const);
  const total = perUnit.reduce((sum, [, ms]) => sum + ms, 0);
  const ceiling = total > 0 ? (os.availableParallelism() * 1000) / total : NaN;
  return (
    `${perUnit.map(([k, ms]) => `${k} ${ms.toFixed(1)}`).join(', ')} = ${total.toFixed(1)} ms CPU per ${unit}` +
    ` -> at most ~${Math.round(ceiling)} ${unit}s/s if these processes had all ${os.availableParallelism()} cores`
  );
}

export function loadAverage(): string {
  return (read('/proc/loadavg') ?? '? ? ?').split(' ').slice(0, 3).join(' ');
}

export function machineInfo(): string[] {
  const cpus = os.cpus();
  return [
    `machine: ${os.availableParallelism()} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `node ${process.version}, ${os.type()} ${os.release()}`,
  ];
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
