/**
 * Where a command's CPU went, by kind of process: the bench samples /proc (Linux) for every
 * descendant of the command's process and adds up each one's CPU time by what it is (a sandbox
 * function instance, a sandbox, jest, Chromium, the type-checks…). A process is read every
 * SAMPLE_MS while it lives, so one that exits between two reads loses at most that much of its
 * time; what the kinds do not add up to of the machine's busy time is shown as unattributed (the
 * missed ends, and anything else the machine ran meanwhile).
 */
import * as fs from 'fs';

const SAMPLE_MS = 100;

/** What a process is, from its command line (first match wins). */
const KINDS: Array<[kind: string, test: RegExp]> = [
  ['function instances', /sandbox\/worker\.js/],
  ['sandboxes', /sandbox\/cli\.js|sandbox-host/],
  ['Chromium', /chrom/i],
  ['type-check, lint', /typescript\/bin\/tsc|eslint|prettier/],
  ['jest', /jest/],
  ['gulp', /gulp/],
  ['esbuild', /esbuild(\.exe)? --service|esbuild\/bin\/esbuild/],
  // The project's own TypeScript run by Node (build/test.ts, the checks' runner, build/ci-worker.ts…).
  ['scripts (esbuild-register)', /esbuild-register/],
];

interface Tracked {
  kind: string;
  /** CPU seconds at its last read. */
  cpu: number;
}

export interface KindCpu {
  kind: string;
  cpuSeconds: number;
  processes: number;
}

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on every Linux build that matters). */
const TICKS = 100;

export interface Stat {
  ppid: string;
  /** pid and start time: a pid the kernel hands out again is another process. */
  key: string;
  cpu: number;
}

/** A process's parent, identity and CPU seconds so far, from /proc/<pid>/stat; undefined once it is gone. */
export function procStat(pid: string): Stat | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces and parentheses): state ppid … utime stime
    // … starttime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: fields[1],
      key: `${pid}:${fields[19]}`,
      cpu: (Number(fields[11]) + Number(fields[12])) / TICKS,
    };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** The pids /proc lists now (its entries that are numbers). */
export function procPids(): string[] {
  return fs.readdirSync('/proc').filter((name) => name.charCodeAt(0) <= 57);
}

function kindOf(pid: string): string {
  let cmdline = '';
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    // exited before it was classified
  }
  return KINDS.find(([, test]) => test.test(cmdline))?.[0] ?? 'other';
}

/**
 * Starts sampling the process tree under `rootPid`; `stop()` gives the CPU seconds per kind, most
 * first. Undefined where there is no /proc to read.
 */
export function sampleProcessTree(rootPid: number): { stop(): KindCpu[] } | undefined {
  if (!fs.existsSync('/proc/self/stat')) return undefined;
  const root = String(rootPid);
  const tracked = new Map<string, Tracked>();
  /** Pids seen outside the tree: not read again while they live (the machine's own processes). */
  const foreign = new Set<string>();
  const sample = () => {
    const pids = procPids();
    const current = new Map<string, Stat>();
    for (const pid of pids) {
      if (foreign.has(pid)) continue;
      const stat = procStat(pid);
      if (stat) current.set(pid, stat);
    }
    const inTree = (pid: string): boolean => {
      for (let p: string | undefined = pid, hops = 0; p && p !== '0' && hops < 64; hops++) {
        const stat = current.get(p);
        if (p === root || (stat && tracked.has(stat.key))) return true;
        p = stat?.ppid;
      }
      return false;
    };
    for (const [pid, stat] of current) {
      const known = tracked.get(stat.key);
      if (known) known.cpu = stat.cpu;
      else if (inTree(pid))
        tracked.set(stat.key, { kind: pid === root ? 'other' : kindOf(pid), cpu: stat.cpu });
      else foreign.add(pid);
    }
    // A pid that is gone may come back as another process: read it again then.
    const live = new Set(pids);
    for (const pid of foreign) if (!live.has(pid)) foreign.delete(pid);
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      const byKind = new Map<string, KindCpu>();
      for (const { kind, cpu } of tracked.values()) {
        const entry = byKind.get(kind) ?? { kind, cpuSeconds: 0, processes: 0 };
        entry.cpuSeconds += cpu;
        entry.processes++;
        byKind.set(kind, entry);
      }
      return [...byKind.values()].sort((a, b) => b.cpuSeconds - a.cpuSeconds);
    },
  };
}
