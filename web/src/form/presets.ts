import type { SourceDescriptor } from '../api/types';

/** A shortcut in the start form: a set of sources that answer one question together. */
export interface Preset {
  id: string;
  title: string;
  sources: readonly string[];
  description: string;
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'cpu', title: 'CPU profile', sources: ['cpu'],
    description: 'Where the CPU time goes: an on-CPU flame graph.',
  },
  {
    id: 'wallclock', title: 'Wall clock: cpu + offcpu + sched', sources: ['cpu', 'offcpu', 'sched'],
    description: 'Where the time goes, running or not: every thread over time (running, waiting for a CPU, sleeping, '
      + 'who woke it), on-CPU and off-CPU flame graphs side by side, a wall-clock flame graph, run-queue latency.',
  },
  {
    id: 'scheduler', title: 'Scheduler: offcpu + sched', sources: ['offcpu', 'sched'],
    description: 'Why threads wait: blocked time by stack and its wakers, run-queue latency, the thread timeline, without CPU sampling.',
  },
];

/** The presets whose every source the agent offers and can run here. */
export function availablePresets(sources: readonly SourceDescriptor[]): Preset[] {
  return PRESETS.filter((p) => p.sources.every((id) => sources.some((s) => s.id === id && s.available && !s.implicit)));
}

/** The preset whose sources are exactly `chosen`, or null. */
export function presetOf(chosen: readonly string[], presets: readonly Preset[] = PRESETS): Preset | null {
  const set = new Set(chosen);
  return presets.find((p) => p.sources.length === set.size && p.sources.every((id) => set.has(id))) ?? null;
}
