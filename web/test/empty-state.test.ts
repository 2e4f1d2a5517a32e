import { describe, expect, it } from 'vitest';
import type { ProcessInfo } from '../src/api/types';
import { emptyStateMessage, type EmptyStateInput } from '../src/panels/flamegraph/empty-state';
import { stateLabel } from '../src/ui/session-bar';
import { session } from './fixtures';

const workload = session('s1', [], { filter: { pids: [4242], cgroup: null, comm: null, description: 'pid 4242' } });

function input(patch: Partial<EmptyStateInput>): EmptyStateInput {
  return { session: workload, total: 0, mode: 'live', windows: 1, trailingEmpty: 1, unit: 'samples', processes: [], ...patch };
}

const kthread: ProcessInfo = { pid: 2, name: 'kthreadd', commandLine: '[kthreadd]', cpuPercent: 0, threads: 1, rssBytes: 0 };

describe('what an empty flame graph says', () => {
  it('says nothing when there is something to draw', () => {
    expect(emptyStateMessage(input({ total: 3 }))).toBeNull();
  });

  it('never tells a running session to pick a process and press Start: the process is idle', () => {
    const m = emptyStateMessage(input({}))!;
    expect(m).toBe('No samples yet — the process is idle.');
    expect(m).not.toMatch(/press start/i);
    expect(emptyStateMessage(input({ session: session('s1', []) }))).toBe('No samples yet — the machine is idle.');
  });

  it('waits for the first window, and hints after a few empty ones', () => {
    expect(emptyStateMessage(input({ windows: 0, trailingEmpty: 0, session: { ...workload, elapsedSeconds: 0.4 } }))).toBe('Waiting for the first window (every 1 s)…');
    // An idle target sends no window at all: the session's running time counts them.
    expect(emptyStateMessage(input({ windows: 0, trailingEmpty: 0, session: { ...workload, elapsedSeconds: 5.2 } }))).toMatch(/^No samples after 5 windows: pid 4242 did not run on a CPU/);
    expect(emptyStateMessage(input({ windows: 4, trailingEmpty: 4 }))).toBe(
      'No samples after 4 windows: pid 4242 did not run on a CPU — the process is idle. Choose a busier process or all processes; a kernel thread has no user stacks.');
  });

  it('says when the sampling probe never ran: no process is sampled, the target is not idle', () => {
    const silent = { ...workload, elapsedSeconds: 6.1, sources: [{ id: 'cpu', title: 'CPU', layer: 'cpu', implicit: false, options: {}, mechanisms: [], counters: [{ name: 'bpf.runs', value: 0, kind: 'info' }] }] };
    expect(emptyStateMessage(input({ session: silent, sources: ['cpu'] }))).toBe(
      'No samples after 6 windows: the cpu source\'s probe has not run once (bpf.runs 0) — the kernel delivers no sampling events on this machine, for any process. The other sources are not affected.');
    // A probe that ran: the usual idle hint.
    const ran = { ...silent, sources: [{ ...silent.sources[0]!, counters: [{ name: 'bpf.runs', value: 5, kind: 'info' }] }] };
    expect(emptyStateMessage(input({ session: ran, sources: ['cpu'] }))).toMatch(/did not run on a CPU/);
    // On a kernel thread both are said.
    const onKthread = { ...silent, filter: { pids: [2], cgroup: null, comm: null, description: 'pid 2' } };
    expect(emptyStateMessage(input({ session: onKthread, sources: ['cpu'], processes: [kthread] }))).toMatch(/bpf.runs 0.*Besides, pid 2 \(kthreadd\) is a kernel thread\. Kernel threads have no user stacks/);
  });

  it('says a kernel thread has no user stacks', () => {
    const s = session('s1', [], { filter: { pids: [2], cgroup: null, comm: null, description: 'pid 2' } });
    expect(emptyStateMessage(input({ session: s, processes: [kthread] }))).toMatch(/^No samples yet: pid 2 \(kthreadd\) is a kernel thread\. Kernel threads have no user stacks/);
  });

  it('says the target exited, the session paused or ended', () => {
    expect(emptyStateMessage(input({ session: { ...workload, targetExited: true } }))).toBe('The target exited before any samples were recorded.');
    expect(emptyStateMessage(input({ session: { ...workload, state: 'paused' } }))).toBe('Paused — no samples yet. Resume to record.');
    expect(emptyStateMessage(input({ session: { ...workload, state: 'stopped', endReason: 'lease expired' } }))).toBe('The session ended before any samples were recorded (lease expired).');
    // Opened after it stopped: it did record; this model is empty or no longer kept by the agent.
    const recorded = { ...workload, state: 'stopped' as const, endReason: 'stopped by a user',
      sources: [{ id: 'cpu', title: 'cpu', layer: 'cpu', implicit: false, options: {}, mechanisms: [], counters: [{ name: 'samples', value: 421, kind: 'events' }] }] };
    expect(emptyStateMessage(input({ session: recorded }))).toBe('The session has stopped (stopped by a user). This model holds no samples, or the agent no longer keeps it (stopped sessions\' models are kept for a while).');
  });

  it('speaks of data, not samples, for time-valued graphs, and of the range when one is selected', () => {
    expect(emptyStateMessage(input({ unit: 'µs' }))).toBe('No data yet — the process is idle.');
    expect(emptyStateMessage(input({ mode: 'range' }))).toBe('No samples in the selected range.');
  });

  it('shows "target exited" as the state while the session still runs', () => {
    expect(stateLabel({ ...workload, targetExited: true })).toBe('target exited');
    expect(stateLabel(workload)).toBe('running');
    expect(stateLabel({ ...workload, state: 'stopped', targetExited: true })).toBe('stopped');
    expect(stateLabel(null)).toBe('idle');
  });
});
