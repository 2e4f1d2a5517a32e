// Wire types of the tuning routes (docs/api.md#tuning, docs/tuning.md). Enums arrive as their C#
// names ("Kept", "Kernel").

export interface EvidenceLink {
  model: string;
  query: Record<string, string>;
}

export interface Evidence {
  label: string;
  value: number;
  unit: string;
  link?: EvidenceLink | null;
  source?: string | null;
}

export interface TunableTarget {
  scope: string;
  key: string;
  pid?: number | null;
  object?: string | null;
}

export interface MetricSpec {
  id: string;
  label: string;
  unit: string;
  minimumEffect: number;
  lowerIsBetter: boolean;
}

export interface ProposedAction {
  id: string;
  summary: string;
  changes: { tunable: string; target: TunableTarget; value: string }[];
  metric: MetricSpec;
}

export interface Finding {
  id: string;
  advisor: string;
  title: string;
  layer: string;
  evidence: Evidence[];
  expectedEffect: string;
  risk: string;
  actions: ProposedAction[];
  advice?: string | null;
  pids: number[];
}

export interface AdviceReport {
  seconds: number;
  findings: Finding[];
  notes: { advisor: string; text: string }[];
}

export interface JournalChange {
  tunable: string;
  target: TunableTarget;
  before: string;
  after: string;
  written?: boolean;
  restored?: string | null;
}

export interface Verdict {
  kind: string;
  reason: string;
  baselineMean: number | string;
  baselineNoise: number | string;
  afterMean: number | string;
  requiredEffect: number | string;
}

export interface JournalEntry {
  id: string;
  findingId: string;
  actionId: string;
  title: string;
  who: string;
  state: 'Applied' | 'Kept' | 'RolledBack' | 'NotApplied' | string;
  changes: JournalChange[];
  metric: MetricSpec;
  baseline: number[];
  after: number[];
  windowSeconds: number;
  verdict?: Verdict | null;
  secondsToVerdict?: number | null;
  steps: { at: string; who: string; what: string }[];
}

export interface Journal {
  version: number;
  actions: JournalEntry[];
}

export interface DryRun {
  findingId: string;
  actionId: string;
  changes: JournalChange[];
  metric: MetricSpec;
}

export interface TuningStatus {
  mode: 'off' | 'recommendOnly' | 'apply' | string;
  journal: string | null;
  tuningTokenRequired: boolean;
}
