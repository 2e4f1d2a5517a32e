import { describe, expect, it } from 'vitest';
import type { BreakdownThread, HeatmapView, TimelineTrack } from '../src/api/types';
import { HeatmapLive } from '../src/model/heatmap-live';
import { stateShares } from '../src/panels/breakdown/panel';
import { bucketPosition, usedBuckets } from '../src/panels/histogram/panel';
import { formatCell, sortRows } from '../src/panels/table/panel';
import { orderTracks } from '../src/panels/timeline/panel';
import { heatStep, HEAT_STEPS } from '../src/render/heatmap-renderer';
import { counterText } from '../src/ui/session-bar';
import { describeLease } from '../src/ui/sessions-list';
import { formatDuration, formatValue, unitLabel } from '../src/ui/format';
import { nextRow, isKernelThread } from '../src/ui/process-picker';
import { session } from './fixtures';

function heat(baseSeq: number, firstSeq: number, counts: number[][], version = baseSeq): HeatmapView {
  return {
    kind: 'live', unit: 'us', version, scale: 'log2', bounds: [0, 1, 2, 4], firstSeq, baseSeq,
    columns: { starts: counts.map((_, i) => (baseSeq + i) * 1e9), ends: counts.map((_, i) => (baseSeq + i + 1) * 1e9), counts },
    max: 0,
  };
}

describe('heatmap model', () => {
  it('starts from a whole view, appends columns, drops the oldest and resyncs on a gap', () => {
    const m = new HeatmapLive();
    expect(m.apply(heat(3, 1, [[1, 0, 0, 0]]))).toBe('resync');
    expect(m.apply(heat(1, 1, [[1, 2, 0, 0], [0, 5, 1, 0]]))).toBe('applied');
    expect(m.apply(heat(3, 1, [[0, 0, 0, 9]]))).toBe('applied');
    expect(m.starts.length).toBe(3);
    expect(m.max).toBe(9);
    // Overlap after a resync: newer counts win; the agent dropped window 1.
    expect(m.apply(heat(3, 2, [[0, 0, 0, 10], [1, 1, 1, 1]], 5))).toBe('applied');
    expect(m.firstSeq).toBe(2);
    expect(m.counts).toEqual([[0, 5, 1, 0], [0, 0, 0, 10], [1, 1, 1, 1]]);
    expect(m.apply(heat(9, 2, [[1, 0, 0, 0]], 9))).toBe('resync');
  });

  it('colours on a log scale so rare slow events show', () => {
    expect(heatStep(0, 1000)).toBe(0);
    expect(heatStep(1, 1000)).toBeGreaterThan(0);
    expect(heatStep(1000, 1000)).toBe(HEAT_STEPS);
  });
});

describe('histogram', () => {
  it('places values on the log2 axis linearly within their bucket', () => {
    const bounds = [0, 1, 2, 4, 8, 16];
    expect(bucketPosition(bounds, 0)).toBe(0);
    expect(bucketPosition(bounds, 3)).toBeCloseTo(2.5);
    expect(bucketPosition(bounds, 8)).toBe(4);
    expect(bucketPosition(bounds, 24)).toBeCloseTo(5.5);
    expect(usedBuckets([{ key: 'a', label: 'a', count: 1, sum: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0, buckets: [0, 0, 3, 0, 1, 0] }], 6)).toEqual([2, 4]);
  });
});

describe('table', () => {
  it('sorts numbers numerically and strings by text, missing values last', () => {
    const rows = [[3, 'b'], [10, 'a'], [null, 'c'], [1, null]];
    expect(sortRows(rows, 0, 'int', true).map((r) => r[0])).toEqual([10, 3, 1, null]);
    expect(sortRows(rows, 1, 'string', false).map((r) => r[1])).toEqual(['a', 'b', 'c', null]);
    expect(formatCell(1234567, { name: 'n', title: 'N', type: 'int', unit: null })).toBe('1,234,567');
    expect(formatCell(1500, { name: 'lat', title: 'Latency', type: 'float', unit: 'us' })).toBe('1.5 ms');
    expect(formatCell(null, { name: 'n', title: 'N', type: 'int', unit: null })).toBe('–');
  });
});

describe('breakdown', () => {
  it('gives each state its share of the thread, adding up to 100%', () => {
    const t: BreakdownThread = { pid: 1, tid: 1, name: 'w', wall: 5e9, states: { running: 1e9, runnable: 1e7, sleeping: 3.99e9, blocked: 0, other: 0 }, topFunctions: [], topBlocking: [] };
    const s = stateShares(t);
    expect(s['running']).toBeCloseTo(0.2);
    expect(s['sleeping']).toBeCloseTo(0.798);
    expect(Object.values(s).reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    // A state this UI does not know counts as other; time no event covers stays unknown.
    expect(stateShares({ ...t, states: { running: 1, io_uring: 3 } })['other']).toBeCloseTo(0.75);
    expect(stateShares({ ...t, states: { running: 1, unknown: 1 } })['unknown']).toBeCloseTo(0.5);
  });
});

describe('timeline tracks', () => {
  it('orders tracks by process and thread, and filters them', () => {
    const track = (id: string, pid: number, tid: number, name: string): TimelineTrack => ({ id, kind: 'thread', pid, tid, name, process: 'app', start: 0, end: null });
    const tracks = [track('t9', 5, 9, 'io'), track('t5', 5, 5, 'main'), track('t2', 1, 2, 'init')];
    expect(orderTracks(tracks, '').map((t) => t.id)).toEqual(['t2', 't5', 't9']);
    expect(orderTracks(tracks, 'IO').map((t) => t.id)).toEqual(['t9']);
    expect(orderTracks(tracks, '5').map((t) => t.id)).toEqual(['t5', 't9']);
  });
});

describe('small words and numbers', () => {
  it('shows the lease as people read it', () => {
    expect(describeLease(session('s', []))).toBe('1 viewer');
    expect(describeLease(session('s', [], { lease: { kind: 'viewed', graceSeconds: 30, durationSeconds: null, viewers: 0, endsInSeconds: 24.2 } }))).toBe('no viewer: ends in 25s');
    expect(describeLease(session('s', [], { lease: { kind: 'detached', graceSeconds: 30, durationSeconds: 600, viewers: 0, endsInSeconds: 598 } }))).toBe('background, ends in 9m 58s');
    expect(describeLease(session('s', [], { lease: { kind: 'detached', graceSeconds: 30, durationSeconds: null, viewers: 2, endsInSeconds: null } }))).toBe('background, until stopped');
  });

  it('labels units: samples count, time units read as durations', () => {
    expect(unitLabel('samples')).toBe('samples');
    expect(unitLabel('us')).toBe('time');
    expect(formatValue(1500, 'us')).toBe('1.5 ms');
    expect(formatValue(42, 'samples')).toBe('42');
    expect(formatDuration(850)).toBe('850 ns');
    expect(formatDuration(12_500)).toBe('12.5 µs');
    expect(formatDuration(3_250_000_000)).toBe('3.25 s');
    expect(counterText('bpf.ns_per_run', 2100)).toBe('2,100 ns/event');
    expect(counterText('samples', 2400)).toBe('2,400');
  });

  it('moves through the process list with the keyboard', () => {
    expect(nextRow('ArrowDown', 0, 5)).toBe(1);
    expect(nextRow('ArrowDown', 4, 5)).toBe(4);
    expect(nextRow('ArrowUp', 0, 5)).toBe(0);
    expect(nextRow('End', 1, 5)).toBe(4);
    expect(nextRow('Home', 3, 5)).toBe(0);
    expect(nextRow('PageDown', 0, 30)).toBe(10);
    expect(nextRow('x', 0, 5)).toBeNull();
  });

  it('recognises kernel threads', () => {
    expect(isKernelThread({ pid: 2, name: 'kthreadd', commandLine: '[kthreadd]', cpuPercent: 0, threads: 1, rssBytes: 0 })).toBe(true);
    expect(isKernelThread({ pid: 9, name: 'bash', commandLine: '-bash', cpuPercent: 0, threads: 1, rssBytes: 4096 })).toBe(false);
  });
});
