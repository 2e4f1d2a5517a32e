import type { ProcessInfo, Session } from '../../api/types';
import { isKernelThread } from '../../ui/process-picker';

/** Windows without a sample before the panel says more than "idle". */
export const IDLE_HINT_WINDOWS = 3;

export interface EmptyStateInput {
  session: Session | null;
  /** Total of what is shown (live, range or diff). */
  total: number;
  mode: 'live' | 'range' | 'diff';
  /** Windows the live model holds, and how many of the newest ones are empty. */
  windows: number;
  trailingEmpty: number;
  unit: string;
  /** What is known about the filter's processes (to recognise kernel threads). */
  processes: readonly ProcessInfo[];
  /** The sources the model is made from (their counters tell a probe that never fired). */
  sources?: readonly string[];
}

/**
 * What a flame graph with nothing to draw says, or null when there is something to draw. A session
 * that runs but records nothing is idle, not waiting for someone to press Start; a target that
 * exited, a pause, a kernel thread (no user stacks) and a long silence each say so.
 */
export function emptyStateMessage(input: EmptyStateInput): string | null {
  if (input.total > 0) return null;
  const what = input.unit === 'samples' || input.unit === '' ? 'samples' : 'data';
  if (input.mode !== 'live') return `No ${what} in the selected range.`;
  const s = input.session;
  if (!s) return 'No session.';
  const pids = s.filter?.pids ?? [];
  const target = pids.length === 1 ? `pid ${pids[0]}` : pids.length > 1 ? 'the chosen processes' : 'the filtered processes';
  if (s.state === 'stopped') {
    const reason = s.endReason ? ` (${s.endReason})` : '';
    const observed = (s.sources ?? []).some((src) => src.counters.some((c) => c.kind === 'events' && c.value > 0));
    // The agent keeps the models of the most recently stopped sessions readable for a while.
    return observed
      ? `The session has stopped${reason}. This model holds no ${what}, or the agent no longer keeps it (stopped sessions' models are kept for a while).`
      : `The session ended before any ${what} were recorded${reason}.`;
  }
  if (s.targetExited) return `The target exited before any ${what} were recorded.`;
  if (s.state === 'paused') return `Paused — no ${what} yet. Resume to record.`;
  // Windows without any event may not reach the model at all: the session's running time counts them.
  const windowsSeen = Math.max(input.windows, s.windowSeconds > 0 ? Math.floor(s.elapsedSeconds / s.windowSeconds) : 0);
  if (windowsSeen === 0 && s.state !== 'running') return 'Starting…';
  if (windowsSeen === 0) return `Waiting for the first window (every ${s.windowSeconds} s)…`;

  const kernelThreads = input.processes.filter((p) => pids.includes(p.pid) && isKernelThread(p));
  const kernelNote = kernelThreads.length === 0 ? '' : `${kernelThreads.map((p) => `pid ${p.pid} (${p.name})`).join(', ')} `
    + `${kernelThreads.length > 1 ? 'are kernel threads' : 'is a kernel thread'}. Kernel threads have no user stacks and are mostly asleep: `
    + 'only their kernel stacks appear, while they run.';
  // A sampling probe that never ran samples nothing of any process: not the target's fault.
  const silent = (s.sources ?? []).filter((src) => (input.sources ?? []).includes(src.id)
    && src.counters.some((c) => c.name === 'bpf.runs' && c.value === 0));
  if (what === 'samples' && silent.length > 0 && windowsSeen >= IDLE_HINT_WINDOWS) {
    return `No samples after ${windowsSeen} windows: the ${silent.map((x) => x.id).join(', ')} source's probe has not run once (bpf.runs 0) — `
      + `the kernel delivers no sampling events on this machine, for any process. The other sources are not affected.${kernelNote ? ` Besides, ${kernelNote}` : ''}`;
  }
  if (kernelThreads.length > 0) return `No ${what} yet: ${kernelNote}`;
  const filtered = pids.length > 0 || !!s.filter?.comm || !!s.filter?.cgroup;
  const idleWindows = Math.max(input.trailingEmpty, windowsSeen);
  if (idleWindows >= IDLE_HINT_WINDOWS && filtered) {
    const why = what === 'samples' ? 'did not run on a CPU — the process is idle' : 'recorded nothing — the process is idle';
    return `No ${what} after ${idleWindows} windows: ${target} ${why}. `
      + 'Choose a busier process or all processes; a kernel thread has no user stacks.';
  }
  if (filtered) return `No ${what} yet — ${pids.length === 1 ? 'the process is' : 'the processes are'} idle.`;
  return `No ${what} yet — the machine is idle.`;
}
