import type { EvidenceLink, JournalEntry } from '../api/tuning-types';

/** The source whose session shows an evidence link's model (`sched.runqlat` → sched). */
export function evidenceSource(link: EvidenceLink): string {
  const dot = link.model.indexOf('.');
  return dot > 0 ? link.model.slice(0, dot) : link.model;
}

/** "kept", "rolled back: regressed …", "being verified". */
export function describeEntry(entry: JournalEntry): string {
  if (!entry.verdict) return entry.state === 'Applied' ? 'applied, being verified' : entry.state.toLowerCase();
  return `${verdictName(entry.verdict.kind)}: ${entry.verdict.reason}`;
}

export function verdictName(kind: string): string {
  return kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

export interface BeforeAfterChart {
  /** One point per metric window: x in windows (baseline first, a gap for the settling window), y the value. */
  points: { x: number; y: number; after: boolean }[];
  max: number;
  baselineMean: number | null;
  afterMean: number | null;
}

const mean = (values: number[]): number | null => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

/** The targeted metric's windows before and after the change, for a small chart. */
export function beforeAfter(entry: JournalEntry): BeforeAfterChart {
  const points = [
    ...entry.baseline.map((y, i) => ({ x: i, y, after: false })),
    ...entry.after.map((y, i) => ({ x: entry.baseline.length + 1 + i, y, after: true })),
  ];
  return { points, max: Math.max(1e-9, ...points.map((p) => p.y)), baselineMean: mean(entry.baseline), afterMean: mean(entry.after) };
}

/** An SVG path ("M0,40L10,20…") of one phase, scaled into width × height. */
export function chartPath(chart: BeforeAfterChart, after: boolean, width: number, height: number): string {
  const count = Math.max(1, chart.points[chart.points.length - 1]?.x ?? 1);
  return chart.points
    .filter((p) => p.after === after)
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${((p.x / count) * width).toFixed(1)},${(height - (p.y / chart.max) * height).toFixed(1)}`)
    .join('');
}
