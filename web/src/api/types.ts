// Wire types of the agent's HTTP API (docs/api.md). Names follow the JSON (camelCase).

export type SessionState = 'starting' | 'running' | 'paused' | 'stopped';

export interface Session {
  id: string;
  state: SessionState;
  sources: string[];
  /** null: all processes. */
  pid: number | null;
  frequencyHz: number;
  startedAt: string;
  elapsedSeconds: number;
  /** Samples in the current profile (since the last reset or retarget). */
  profileSamples: number;
  /** Samples since the session started. */
  collectedSamples: number;
  lostSamples: number;
  /** The profiled process exited; the profile is kept. */
  targetExited: boolean;
  modelVersion: number;
}

export interface ProcessInfo {
  pid: number;
  name: string;
  commandLine: string;
  cpuPercent: number;
  threads: number;
  rssBytes: number;
}

export interface StartSessionRequest {
  sources: string[];
  pid?: number;
  frequency?: number;
}

/** Frame kinds as the agent numbers them (FrameKind in SystemScope.Core). */
export const FrameKind = {
  Root: 0,
  Process: 1,
  Kernel: 2,
  Native: 3,
  Jit: 4,
  Unknown: 5,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/**
 * A call tree in columns, whole (`full`) or as the change since what the client holds: frames and
 * nodes appended from `frameBase` and `nodeBase`, and new totals for older nodes that changed.
 */
export interface FlameGraphUpdate {
  epoch: number;
  version: number;
  full: boolean;
  totalSamples: number;
  frameBase: number;
  frameNames: string[];
  frameModules: (string | null)[];
  frameKinds: number[];
  nodeBase: number;
  nodeParents: number[];
  nodeFrames: number[];
  nodeTotals: number[];
  nodeSelfs: number[];
  updatedNodes: number[];
  updatedTotals: number[];
  updatedSelfs: number[];
}

/** One `event: update` of a session stream: the session and one entry per model it produces. */
export interface StreamUpdate {
  session: Session;
  [modelType: string]: unknown;
}

/** RFC 9457 problem details. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  /** A long diagnostic when there is one (e.g. the verifier log of a BPF program that failed to load). */
  log?: string | null;
}
