// Wire types of the agent's HTTP API (docs/api.md). Names follow the JSON (camelCase). Times in
// models are ns since the session started; durations are ns unless a model's `unit` says otherwise.

export type SessionState = 'starting' | 'running' | 'paused' | 'stopped';

export type CounterKind = 'events' | 'lost' | 'info';

export interface Counter {
  name: string;
  value: number;
  kind: CounterKind | string;
  description?: string | null;
}

export interface SessionSource {
  id: string;
  title: string;
  layer: string;
  implicit: boolean;
  /** Every option, as applied. */
  options: Record<string, unknown>;
  mechanisms: string[];
  counters: Counter[];
}

export interface ModelInfo {
  id: string;
  type: string;
  title: string;
  unit: string;
  sources: string[];
  version: number;
}

export interface Lease {
  kind: 'viewed' | 'detached' | 'owned' | string;
  graceSeconds: number;
  durationSeconds: number | null;
  viewers: number;
  endsInSeconds: number | null;
}

export interface SessionFilter {
  pids: number[];
  cgroup: string | null;
  comm: string | null;
  description: string;
}

export interface Session {
  id: string;
  state: SessionState;
  startedAt: string;
  /** Running time: paused time left out. */
  elapsedSeconds: number;
  windowSeconds: number;
  filter: SessionFilter;
  /** Every pid of the filter has exited; models are kept. */
  targetExited: boolean;
  sources: SessionSource[];
  models: ModelInfo[];
  lease: Lease;
  memory: { budgetBytes: number; retainedBytes: number; droppedHistory: number };
  loop: { lateBatches: number; analysisErrors: number; lastError: string | null };
  /** When stopped: why (stopped by a user, lease expired, duration reached). */
  endReason: string | null;
}

export interface ProcessInfo {
  pid: number;
  name: string;
  commandLine: string;
  cpuPercent: number;
  threads: number;
  rssBytes: number;
  /** A kernel thread: no command line, no memory of its own, no user stacks. */
  kernelThread?: boolean;
}

/** One option a source declares (GET /api/capabilities). */
export type OptionDescriptor =
  | (OptionBase & { kind: 'integer' | 'number'; min?: number | null; max?: number | null; /** null: empty by default (not sent). */ default: number | null })
  | (OptionBase & { kind: 'boolean'; default: boolean })
  | (OptionBase & { kind: 'choices'; choices: string[]; default: string[] })
  /** Names from an open set (syscalls, devices); empty: all. */
  | (OptionBase & { kind: 'names'; example: string; default: string[] });

interface OptionBase {
  name: string;
  flag?: string;
  description: string;
  unit?: string | null;
}

export interface SourceDescriptor {
  id: string;
  title: string;
  layer: string;
  description: string;
  implicit: boolean;
  available: boolean;
  mechanisms: string[];
  reason: string | null;
  detail: string | null;
  options: OptionDescriptor[];
}

/** The range of one of the session request's own settings (`capabilities.session`). */
export interface SettingRange {
  min: number;
  max: number;
  /** null: no default (durationSeconds: no limit). */
  default: number | null;
}

export interface Capabilities {
  kernel: { release: string; btf: boolean; tracefs: boolean; bpffs: boolean; cpus: number };
  features: { id: string; available: boolean; detail: string | null }[];
  sources: SourceDescriptor[];
  /** Ranges of the session request's settings, for forms. */
  session?: Partial<Record<'windowSeconds' | 'memoryBudgetMiB' | 'graceSeconds' | 'durationSeconds', SettingRange>>;
}

export interface ProcessFilterRequest {
  pids?: number[];
  cgroup?: string;
  comm?: string;
}

export interface StartSessionRequest {
  sources?: (string | { id: string; options?: Record<string, unknown> })[];
  filter?: ProcessFilterRequest;
  windowSeconds?: number;
  includeAgent?: boolean;
  memoryBudgetMiB?: number;
  detached?: boolean;
  durationSeconds?: number;
  graceSeconds?: number;
}

/** One `event: update` of a session stream. */
export interface StreamMessage {
  session: Session;
  /** Model id → its change since the previous message on this connection (the first: whole). */
  models: Record<string, unknown>;
  /** Model id → the cursor the client holds after applying that change (for `?cursor=` resyncs). */
  cursors?: Record<string, string>;
}

/** Frame kinds as the agent numbers them (FrameKind in SystemScope.Core). */
export const FrameKind = {
  Root: 0,
  Process: 1,
  Kernel: 2,
  Native: 3,
  Jit: 4,
  Unknown: 5,
  /** A synthetic leaf such as `[blocked D]` or `[runnable]` (off-CPU and wall-clock graphs). */
  State: 6,
  /** Work on an accelerator on top of the host stack that asked for it: a kernel, a copy's direction, a wait (merged CPU + GPU graphs). */
  Gpu: 7,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Per-window history of a flame graph (the time strip): windows from `baseSeq` are new. */
export interface FlameGraphWindows {
  firstSeq: number;
  baseSeq: number;
  starts: number[];
  ends: number[];
  totals: number[];
}

/**
 * A call tree in columns, whole (`full`) or as the change since what the client holds: frames and
 * nodes appended from `frameBase` and `nodeBase`, and new totals for older nodes that changed.
 */
export interface FlameGraphUpdate {
  kind?: 'live' | 'range' | 'diff';
  unit?: string;
  epoch: number;
  version: number;
  full: boolean;
  totalSamples: number;
  frameBase: number;
  frameNames: string[];
  frameModules: (string | null)[];
  /** The name as the binary spells it where frameNames holds its demangled form, else null (absent from older agents). */
  frameRawNames?: (string | null)[];
  frameKinds: number[];
  nodeBase: number;
  nodeParents: number[];
  nodeFrames: number[];
  nodeTotals: number[];
  nodeSelfs: number[];
  updatedNodes: number[];
  updatedTotals: number[];
  updatedSelfs: number[];
  windows?: FlameGraphWindows;
  droppedWindows?: number;
}

export interface TimeRange {
  t0: number;
  t1: number;
}

/** `?t0&t1` (kind range) or with a baseline (kind diff): a whole tree, plus the baseline's values. */
export interface FlameGraphQueryResult extends FlameGraphUpdate {
  kind: 'range' | 'diff';
  range: TimeRange & { windows: number };
  baseline?: TimeRange & { windows: number };
  baselineOf?: string;
  baselineTotal?: number;
  baselineTotals?: number[];
  baselineSelfs?: number[];
}

export interface HistogramGroup {
  key: string;
  label: string;
  count: number;
  sum: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p99: number;
  buckets: number[];
}

export interface HistogramView {
  kind: 'live' | 'range';
  unit: string;
  version: number;
  scale: 'log2' | string;
  /** Lower bound of each bucket; bucket i = [bounds[i], bounds[i+1]). */
  bounds: number[];
  groups: HistogramGroup[];
}

export interface HeatmapView {
  kind: 'live' | 'range';
  unit: string;
  version: number;
  scale: 'log2' | string;
  bounds: number[];
  firstSeq: number;
  baseSeq: number;
  columns: { starts: number[]; ends: number[]; counts: number[][] };
  max: number;
}

export interface TableColumn {
  name: string;
  title: string;
  type: 'int' | 'float' | 'string';
  unit: string | null;
}

export interface TableView {
  kind: 'live' | string;
  version: number;
  columns: TableColumn[];
  rows: (number | string | null)[][];
  totalRows: number;
  truncated: boolean;
}

export interface TimelineTrack {
  id: string;
  /** `thread`, `cpu`, or `device` (pid and tid -1, `name` the device, `process` its category). */
  kind: 'thread' | 'cpu' | 'device' | string;
  pid?: number;
  tid?: number;
  name: string;
  process?: string;
  start: number;
  /** When the thread exited (its track ends there). */
  end: number | null;
}

export interface TimelineSummary {
  kind: 'live';
  version: number;
  end: number;
  tracks: TimelineTrack[];
  slices: number;
  dropped: number;
  capped: number;
  capPerSecond: number;
}

export interface TimelineLink {
  track: string;
  time: number;
  kind: 'wokenBy' | string;
}

export interface TimelineTrackWindow {
  id: string;
  slices: {
    starts: number[];
    durations: number[];
    states: number[];
    labels: number[];
    cpus: number[];
    merged: number[];
    links: (TimelineLink | null)[];
  };
  instants?: { times: number[]; kinds: number[]; labels?: number[] };
  /** The activity lane: what the thread did or waited for (slow calls, requests), in start order. */
  spans?: TimelineSpanTuple[];
}

/**
 * One span of an activity lane: start and duration (ns since the session started), category and
 * label (indexes into the window's `strings`; label -1 for none), nesting depth (0 outermost) and
 * how many sub-pixel spans it stands for.
 */
export type TimelineSpanTuple = [start: number, duration: number, category: number, label: number, depth: number, merged: number];

export interface TimelineWindow {
  kind: 'window';
  t0: number;
  t1: number;
  px: number;
  strings: string[];
  tracks: TimelineTrackWindow[];
}

export interface StackFrame {
  name: string;
  module?: string | null;
  /** A frame kind by name (`kernel`, `native`, …) or by number (FrameKind). */
  kind?: string | number;
}

/** Who woke a thread: another thread (with its track when it has one), or an interrupt (pid 0). */
export interface TimelineWaker {
  pid: number;
  tid: number;
  name: string;
  /** When it woke the thread (ns since the session started). */
  time?: number;
  /** The waker's track, when it has one. */
  track?: string;
  stack?: StackFrame[];
}

/** The other end of a span: a thread's span names its device's track, a device's span the thread. */
export interface TimelineRelated {
  track: string;
  name: string;
  /** When the span starts there (ns since the session started). */
  time: number;
}

/** `?track&at` (a state slice, `kind: 'slice'`) or `?track&at&lane=spans` (`kind: 'span'`; `state` is the category). */
export interface TimelineSliceDetail {
  kind: 'slice' | 'span';
  track?: string;
  start: number;
  duration: number;
  state: string;
  label?: string | null;
  cpu?: number | null;
  stack?: StackFrame[];
  waker?: TimelineWaker;
  related?: TimelineRelated;
}

export interface BreakdownThread {
  pid: number;
  tid: number;
  name: string;
  process?: string;
  wall: number;
  states: Record<string, number>;
  topFunctions: { name: string; value: number }[];
  topBlocking: { state?: string; frames: string[]; value: number }[];
  /** What the thread waited in, off the CPU, from its activity lane ("in read fd 3 …"), longest first. */
  topReasons?: { reason: string; category: string; value: number }[];
}

export interface BreakdownView {
  kind: 'range' | 'live' | string;
  t0?: number;
  t1?: number;
  unit: string;
  threads: BreakdownThread[];
}

/** Values per window for named series (`timeseries`): windows from `baseSeq` are new. */
export interface TimeseriesView {
  kind: 'live' | 'range' | string;
  unit: string;
  version: number;
  firstSeq: number;
  baseSeq: number;
  starts: number[];
  ends: number[];
  series: { name: string; label?: string | null; values: (number | null)[] }[];
  droppedWindows?: number;
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
