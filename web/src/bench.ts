import type { TimelineSpanTuple, TimelineWindow } from './api/types';
import { LANE_ROW_H, ROW_H } from './model/timeline-spans';
import { TimeseriesLive } from './model/timeseries-live';
import { renderTimeline, type TimelineRow } from './render/timeline-renderer';
import { renderTimeseries } from './render/timeseries-renderer';

/**
 * A deterministic timeline window for measurements: `tracks` threads sharing `slices` slices over
 * 10 s, a quarter of them with CPU-sample ticks, some woken by another thread; with `spans`, about
 * that many activity spans: slow calls on the threads' lanes, a third of them with a block request
 * nested inside, which also shows on one of two device tracks.
 */
export function syntheticTimeline(slices: number, tracks: number, spans = 0): { window: TimelineWindow; rows: TimelineRow[] } {
  let s = 7;
  const rand = (n: number): number => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) % n;
  };
  const t1 = 10e9;
  const per = Math.max(1, Math.floor(slices / tracks));
  const step = t1 / per;
  const window: TimelineWindow = {
    kind: 'window', t0: 0, t1, px: 1600, tracks: [],
    strings: ['running', 'runnable', 'sleeping', 'blocked', 'pipe_read', 'syscall', 'blockio', 'read fd 3 pipe:[1234]', 'write sda, queue 3 ms + device 9 ms'],
  };
  const calls = Math.floor((spans * 0.6) / Math.max(tracks, 1));
  const devices: TimelineSpanTuple[][] = [[], []];
  for (let t = 0; t < tracks; t++) {
    const sl = { starts: [] as number[], durations: [] as number[], states: [] as number[], labels: [] as number[], cpus: [] as number[], merged: [] as number[], links: [] as TimelineWindow['tracks'][number]['slices']['links'] };
    const times: number[] = [];
    for (let i = 0; i < per; i++) {
      const state = rand(4);
      sl.starts.push(i * step);
      sl.durations.push(step * (0.5 + rand(100) / 200));
      sl.states.push(state);
      sl.labels.push(state === 3 ? 4 : -1);
      sl.cpus.push(state === 0 ? rand(8) : -1);
      sl.merged.push(1);
      sl.links.push(state === 0 && rand(5) === 0 ? { track: `t${rand(tracks)}`, time: Math.max(0, (i - 0.25) * step), kind: 'wokenBy' } : null);
      if (i % 4 === 0) times.push((i + 0.5) * step);
    }
    const lane: TimelineSpanTuple[] = [];
    const every = t1 / Math.max(calls, 1);
    for (let i = 0; i < calls; i++) {
      const start = i * every + rand(1000) * (every / 4000);
      const duration = every * (0.1 + rand(60) / 100);
      lane.push([start, duration, 5, 7, 0, 1]);
      if (i % 3 === 0) {
        const request: TimelineSpanTuple = [start + duration * 0.2, duration * 0.6, 6, 8, 1, 1];
        lane.push(request);
        devices[t % 2]!.push([request[0], request[1], 6, 8, 0, 1]);
      }
    }
    window.tracks.push({ id: `t${t}`, slices: sl, instants: { times, kinds: times.map(() => 0), labels: times.map(() => -1) }, ...(spans > 0 ? { spans: lane } : {}) });
  }
  const rows: TimelineRow[] = window.tracks.map((tr, i) => ({ id: tr.id, label: `worker-${i}`, detail: `bench ${i}`, kind: 'thread' }));
  if (spans > 0) {
    const empty = { starts: [], durations: [], states: [], labels: [], cpus: [], merged: [], links: [] };
    devices.forEach((lane, d) => {
      lane.sort((a, b) => a[0] - b[0]);
      window.tracks.push({ id: `d:sd${'ab'[d]}`, slices: empty, spans: lane });
      rows.push({ id: `d:sd${'ab'[d]}`, label: `sd${'ab'[d]}`, detail: 'device · blockio', kind: 'device' });
    });
  }
  return { window, rows };
}

/**
 * Draws `slices` synthetic slices in `tracks` rows on a real canvas `runs` times (pixels read back
 * each time, so rasterising counts); `height` 0 makes every row visible; `totals` counts the time
 * per state drawn, as the panel does; `spans` adds activity lanes (and two device rows). Times in ms.
 */
export function benchTimeline(slices = 100_000, tracks = 100, width = 1600, runs = 7, height = 0, totals = true, spans = 0): Record<string, number> {
  const { window, rows } = syntheticTimeline(slices, tracks, spans);
  const lanes = spans > 0;
  const rowHeight = lanes ? LANE_ROW_H : ROW_H;
  if (height <= 0) height = 24 + rowHeight * rows.length;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return { error: 1 };
  const rowIndex = new Map(rows.map((r, i) => [r.id, i]));
  const times: number[] = [];
  let drawn = { slices: 0, rects: 0, spans: 0, labels: 0 };
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    drawn = renderTimeline(ctx, {
      data: window, width, height, labelWidth: 170, axisHeight: 24, rowHeight, viewport: { t0: 0, t1: 10e9 }, rows, rowIndex,
      scrollY: 0, selection: null, highlight: null, highlightTrack: null, end: null, totals, lanes,
    });
    ctx.getImageData(0, 0, 1, 1);
    times.push(performance.now() - t0);
  }
  const first = times[0]!;
  times.sort((a, b) => a - b);
  return { slices: drawn.slices, rects: drawn.rects, spans: drawn.spans, labels: drawn.labels, firstMs: first, medianMs: times[Math.floor(times.length / 2)]!, minMs: times[0]! };
}

/**
 * Draws a synthetic time series — `series` lines of `windows` values each (run-queue length of 64
 * CPUs over an hour of 1 s windows, say) — on a real canvas `runs` times, pixels read back. Times in ms.
 */
export function benchTimeseries(series = 64, windows = 3600, width = 1200, runs = 7, height = 400): Record<string, number> {
  let s = 11;
  const rand = (): number => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const starts = Array.from({ length: windows }, (_, i) => i * 1e9);
  const model = new TimeseriesLive();
  model.apply({
    kind: 'live', unit: 'threads', version: 1, firstSeq: 1, baseSeq: 1, starts, ends: starts.map((t) => t + 1e9),
    series: Array.from({ length: series }, (_, k) => ({ name: `cpu${k}`, label: `CPU ${k}`, values: starts.map(() => (rand() < 0.01 ? null : rand() * 4)) })),
  });
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return { error: 1 };
  const times: number[] = [];
  let points = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    points = renderTimeseries(ctx, { data: model, width, height, hidden: new Set(), selection: null, brush: null, unit: 'threads' }).stats.points;
    ctx.getImageData(0, 0, 1, 1);
    times.push(performance.now() - t0);
  }
  const first = times[0]!;
  times.sort((a, b) => a - b);
  return { series, windows, points, firstMs: first, medianMs: times[Math.floor(times.length / 2)]!, minMs: times[0]! };
}
