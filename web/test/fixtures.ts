import type { ModelInfo, Session } from '../src/api/types';

/** A running session as the agent describes it, with `patch` applied. */
export function session(id: string, models: ModelInfo[], patch: Partial<Session> = {}): Session {
  return {
    id, state: 'running', startedAt: '2026-01-01T00:00:00Z', elapsedSeconds: 1, windowSeconds: 1,
    filter: { pids: [], cgroup: null, comm: null, description: 'all processes' }, targetExited: false,
    sources: [], models,
    lease: { kind: 'viewed', graceSeconds: 30, durationSeconds: null, viewers: 1, endsInSeconds: null },
    memory: { budgetBytes: 64 << 20, retainedBytes: 0, droppedHistory: 0 },
    loop: { lateBatches: 0, analysisErrors: 0, lastError: null }, endReason: null, ...patch,
  };
}
