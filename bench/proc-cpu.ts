// CPU time spent by the processes under test (Linux /proc): on a machine other work shares, CPU
// per request is a steadier measure of cost than requests per second.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function stat(pid: number): { ppid: number; cpuMs: number } | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    // fields[0] is state (field 3): ppid is field 4, utime 14, stime 15.
    return { ppid: Number(fields[1]), cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS };
  } catch {
    return null;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** The postmaster serving `dataDir` and its children (backends, WAL writer, ...). */
export function postgresPids(dataDir: string): number[] {
  const pids = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const master = pids.find((pid) => cmdline(pid).includes(dataDir) && /postgres/.test(cmdline(pid)));
  if (!master) return [];
  return [master, ...pids.filter((pid) => stat(pid)?.ppid === master)];
}

/** CPU milliseconds used so far by the given processes (children that exited are not counted). */
export function cpuMs(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (stat(pid)?.cpuMs ?? 0), 0);
}
