import { describe, expect, it } from 'vitest';
import { seriesStats, TimeseriesLive, timeseriesOf } from '../src/model/timeseries-live';
import { niceStep, renderTimeseries, timeseriesLayout, windowAt, type TimeseriesCanvas } from '../src/render/timeseries-renderer';
import { formatMeasure, formatNumber } from '../src/ui/format';

const view = (baseSeq: number, firstSeq: number, values: Record<string, (number | null)[]>, version = baseSeq) => {
  const n = Object.values(values)[0]!.length;
  const starts = Array.from({ length: n }, (_, i) => (baseSeq + i - 1) * 1e9);
  return {
    kind: 'live', unit: 'threads', version, firstSeq, baseSeq, starts, ends: starts.map((s) => s + 1e9),
    series: Object.entries(values).map(([name, v]) => ({ name, label: name.toUpperCase(), values: v })), droppedWindows: 0,
  };
};

/** Records moveTo/lineTo per stroke and the texts. */
class LineContext implements TimeseriesCanvas {
  fillStyle: string | CanvasGradient | CanvasPattern = '#000';
  strokeStyle: string | CanvasGradient | CanvasPattern = '#000';
  font = '';
  textBaseline: CanvasTextBaseline = 'alphabetic';
  lineWidth = 1;
  strokes: { color: string; moves: number; lines: number }[] = [];
  texts: string[] = [];
  private moves = 0;
  private lines = 0;
  setTransform(): void {}
  fillRect(): void {}
  strokeRect(): void {}
  beginPath(): void {
    this.moves = 0;
    this.lines = 0;
  }
  moveTo(): void {
    this.moves++;
  }
  lineTo(): void {
    this.lines++;
  }
  rect(): void {}
  stroke(): void {
    this.strokes.push({ color: String(this.strokeStyle), moves: this.moves, lines: this.lines });
  }
  fill(): void {}
  save(): void {}
  restore(): void {}
  clip(): void {}
  fillText(text: string): void {
    this.texts.push(text);
  }
  measureText(text: string): { width: number } {
    return { width: text.length * 6 };
  }
}

describe('time series model', () => {
  it('starts from a whole view, appends new windows, drops the oldest and matches series by name', () => {
    const m = new TimeseriesLive();
    expect(m.apply(view(3, 1, { cpu0: [1] }))).toBe('resync'); // a change cannot start the model
    expect(m.apply(view(1, 1, { cpu0: [0.5, 1], cpu1: [null, 2] }))).toBe('applied');
    expect(m.series.map((s) => s.label)).toEqual(['CPU0', 'CPU1']);
    // A new window, a series that appears (null before it) and one missing from the change.
    expect(m.apply(view(3, 1, { cpu0: [1.5], cpu2: [3] }))).toBe('applied');
    expect(m.starts).toEqual([0, 1e9, 2e9]);
    expect(m.series.map((s) => s.values)).toEqual([[0.5, 1, 1.5], [null, 2, null], [null, null, 3]]);
    // Overlap (after a resync) takes the newer values; the oldest window dropped.
    expect(m.apply(view(3, 2, { cpu0: [1.75, 2] }))).toBe('applied');
    expect(m.firstSeq).toBe(2);
    expect(m.series[0]!.values).toEqual([1, 1.75, 2]);
    expect(m.series[1]!.values).toEqual([2, null, null]);
    // A gap asks for a resync; an older version is stale.
    expect(m.apply(view(9, 2, { cpu0: [1] }))).toBe('resync');
    expect(m.apply(view(4, 2, { cpu0: [1] }, 1))).toBe('stale');
    expect(m.apply({ starts: [1], ends: [2], series: [{ name: 'x', values: [] }] })).toBe('resync');
  });

  it('gives mean, max and last per series for a range', () => {
    const m = new TimeseriesLive();
    m.apply(view(1, 1, { a: [1, 3, null, 5], b: [null, null, null, null] }));
    expect(seriesStats(m, null, null)).toEqual([{ name: 'a', mean: 3, max: 5, last: 5 }, { name: 'b', mean: null, max: null, last: null }]);
    expect(seriesStats(m, 0.5e9, 2e9)[0]).toEqual({ name: 'a', mean: 2, max: 3, last: 3 });
    expect(timeseriesOf(view(1, 1, { a: [1] })).series[0]!.label).toBe('A');
  });
});

describe('time series chart', () => {
  it('draws one line per visible series, breaks at missing values, with axes in the unit', () => {
    const m = new TimeseriesLive();
    m.apply(view(1, 1, { cpu0: [0.2, 0.4, null, 0.6, 0.8], cpu1: [1, 1, 1, 1, 1], cpu2: [0, 0, 0, 0, 0] }));
    const ctx = new LineContext();
    const { stats, layout } = renderTimeseries(ctx, { data: m, width: 600, height: 200, hidden: new Set(['cpu2']), selection: null, brush: null, unit: 'threads' });
    expect(stats.series).toBe(2);
    expect(stats.points).toBe(9);
    const lines = ctx.strokes.filter((s) => s.color === '#4e79a7' || s.color === '#f28e2b');
    expect(lines).toEqual([{ color: '#4e79a7', moves: 2, lines: 2 }, { color: '#f28e2b', moves: 1, lines: 4 }]);
    expect(layout.yMax).toBe(1);
    expect(ctx.texts).toContain('threads');
    expect(ctx.texts).toContain('0.5');
  });

  it('draws at most four vertices per pixel column and series when windows outnumber pixels', () => {
    const m = new TimeseriesLive();
    const values = Array.from({ length: 20_000 }, (_, i) => (i === 12_345 ? 50 : i % 7));
    m.apply(view(1, 1, { s: values }));
    const ctx = new LineContext();
    const { stats, layout } = renderTimeseries(ctx, { data: m, width: 462, height: 200, hidden: new Set(), selection: null, brush: null, unit: '' });
    expect(layout.width).toBe(400);
    expect(stats.points).toBeLessThanOrEqual(4 * 401);
    // The scale reaches the peak (50 → a round 60).
    expect(layout.yMax).toBe(60);
  });

  it('finds windows and round steps', () => {
    const m = new TimeseriesLive();
    m.apply(view(1, 1, { a: [1, 2, 3] }));
    expect(windowAt(m, 1.5e9)).toBe(1);
    expect(windowAt(m, 5e9)).toBe(-1);
    expect(niceStep(1)).toBe(0.5);
    expect(niceStep(7)).toBe(2);
    expect(timeseriesLayout(m, 300, 100, new Set()).yMax).toBe(3);
    expect(formatNumber(0.34567)).toBe('0.346');
    expect(formatNumber(1234.5)).toBe('1,235');
    expect(formatMeasure(0.35, 'threads')).toBe('0.35 threads');
    expect(formatMeasure(1500, 'us')).toBe('1.5 ms');
  });
});
