import { describe, expect, it } from 'vitest';
import { syntheticTimeline } from '../src/bench';
import {
  atLiveEdge, clampViewport, fetchWindow, followLive, MIN_SPAN_NS, panBy, tickStep, windowServes, zoomAt,
} from '../src/model/timeline-viewport';
import type { TimelineTrack, TimelineWindow } from '../src/api/types';
import { orderTracks, wakeTime, wokenByInterrupt } from '../src/panels/timeline/panel';
import { pixelOf, renderTimeline, sliceAt, stateColor, threadColor, visibleRows, type PixelImage, type TimelineCanvas } from '../src/render/timeline-renderer';

const bounds = { start: 0, end: 600e9 }; // ten minutes of history

describe('timeline viewport', () => {
  it('zooms about the pointer from minutes down to a microsecond', () => {
    let v = { t0: 0, t1: 600e9 };
    const anchor = 300e9 + 123_456;
    for (let i = 0; i < 60; i++) v = zoomAt(v, 0.5, anchor, bounds);
    expect(v.t1 - v.t0).toBe(MIN_SPAN_NS);
    expect(v.t0).toBeLessThanOrEqual(anchor);
    expect(v.t1).toBeGreaterThanOrEqual(anchor);
    // The anchor stays at the same fraction of the view.
    const w = zoomAt({ t0: 100e9, t1: 200e9 }, 0.5, 125e9, bounds);
    expect((125e9 - w.t0) / (w.t1 - w.t0)).toBeCloseTo(0.25);
    // Zooming out stops at the whole history (and a little past the live edge).
    let out = { t0: 100e9, t1: 101e9 };
    for (let i = 0; i < 40; i++) out = zoomAt(out, 2, 100e9, bounds);
    expect(out.t0).toBe(0);
    expect(out.t1 - out.t0).toBeCloseTo(600e9 * 1.05);
  });

  it('pans within the history and follows the live edge', () => {
    expect(panBy({ t0: 10e9, t1: 20e9 }, -50e9, bounds)).toEqual({ t0: 0, t1: 10e9 });
    const live = followLive({ t0: 0, t1: 10e9 }, bounds);
    expect(live).toEqual({ t0: 590e9, t1: 600e9 });
    expect(atLiveEdge(live, bounds)).toBe(true);
    expect(atLiveEdge(panBy(live, -5e9, bounds), bounds)).toBe(false);
    expect(clampViewport({ t0: 5, t1: 5 }, bounds).t1 - 5).toBe(MIN_SPAN_NS);
  });

  it('asks for a margin around the view so that small pans and zooms reuse the answer', () => {
    const v = { t0: 100e9, t1: 110e9 };
    const w = fetchWindow(v, 1000, bounds);
    expect(w.t0).toBeLessThanOrEqual(90e9);
    expect(w.t1).toBeGreaterThanOrEqual(120e9);
    expect(w.px).toBeGreaterThanOrEqual(3000);
    expect(windowServes(w, panBy(v, 5e9, bounds), 1000)).toBe(true);
    expect(windowServes(w, zoomAt(v, 0.7, 105e9, bounds), 1000)).toBe(true);
    expect(windowServes(w, zoomAt(v, 0.2, 105e9, bounds), 1000)).toBe(false);
    expect(windowServes(w, panBy(v, 40e9, bounds), 1000)).toBe(false);
    // The same view asks the same window (requests are cacheable and comparable).
    expect(fetchWindow(v, 1000, bounds)).toEqual(w);
  });

  it('spaces axis ticks 1, 2, 5', () => {
    expect(tickStep(1e9, 1000)).toBe(1e8);
    expect(tickStep(3e9, 1000)).toBe(5e8);
    expect(tickStep(1500, 1000)).toBe(200);
  });
});

/** Counts what is drawn; fill() counts calls (one per colour batch). */
class CountingCanvas implements TimelineCanvas {
  fillStyle: string | CanvasGradient | CanvasPattern = '#000';
  strokeStyle: string | CanvasGradient | CanvasPattern = '#000';
  font = '';
  textBaseline: CanvasTextBaseline = 'alphabetic';
  lineWidth = 1;
  globalAlpha = 1;
  rects = 0;
  fills = 0;
  strokes = 0;
  texts = 0;
  lines = 0;
  setTransform(): void {}
  clearRect(): void {}
  fillRect(): void {
    this.rects++;
  }
  beginPath(): void {}
  rect(): void {
    this.rects++;
  }
  moveTo(): void {}
  lineTo(): void {
    this.lines++;
  }
  fill(): void {
    this.fills++;
  }
  stroke(): void {
    this.strokes++;
  }
  save(): void {}
  restore(): void {}
  clip(): void {}
  fillText(): void {
    this.texts++;
  }
  strokeRect(): void {}
  image: PixelImage | null = null;
  createImageData(width: number, height: number): PixelImage {
    return { data: new Uint8ClampedArray(width * height * 4), width, height };
  }
  putImageData(image: PixelImage): void {
    this.image = image;
  }
  /** The pixel at (x, y) of the plot area (what was written directly). */
  pixel(x: number, y: number): number {
    const img = this.image!;
    return new Uint32Array(img.data.buffer)[y * img.width + x]!;
  }
}

function syntheticWindow(tracks: number, slices: number): ReturnType<typeof syntheticTimeline> {
  return syntheticTimeline(slices, tracks);
}

describe('timeline renderer', () => {
  it('draws the rows in view, batched by state, with sample ticks and wakeup arrows', () => {
    const { window, rows } = syntheticWindow(20, 2000);
    const rowIndex = new Map(rows.map((r, i) => [r.id, i]));
    const ctx = new CountingCanvas();
    const stats = renderTimeline(ctx, {
      data: window, width: 1400, height: 24 + 26 * 10, labelWidth: 170, axisHeight: 24, rowHeight: 26,
      viewport: { t0: 0, t1: 10e9 }, rows, rowIndex, scrollY: 0, selection: { t0: 1e9, t1: 2e9 }, highlight: null, highlightTrack: null, end: 10e9,
    });
    expect(visibleRows(0, 260, 26, 20)).toEqual([0, 9]);
    // Only the 10 rows in view: 100 slices each.
    expect(stats.slices).toBe(1000);
    expect(stats.instants).toBe(250);
    expect(stats.links).toBeGreaterThan(0);
    expect(stats.rects).toBeLessThanOrEqual(stats.slices);
    // Slices are pixels of their state's colour; the vector API is left for links, labels, marks.
    const track = window.tracks[0]!.slices;
    const i = track.states.findIndex((st, j) => st === 0 && track.durations[j]! * (1230 / 10e9) > 6);
    const x = Math.round((track.starts[i]! + track.durations[i]! / 2) * (1230 / 10e9));
    expect(ctx.pixel(x, 13)).toBe(pixelOf(stateColor('running')));
    expect(ctx.fills).toBeLessThan(10);
    expect(sliceAt(window, 't0', 0.1, 1)).toBe(0);
    expect(sliceAt(window, 'nope', 0, 1)).toBe(-1);
  });

  it('draws 100k slices fast (measured, reported)', () => {
    const { window, rows } = syntheticWindow(100, 100_000);
    const rowIndex = new Map(rows.map((r, i) => [r.id, i]));
    const input = {
      data: window, width: 1600, height: 24 + 26 * 100, labelWidth: 170, axisHeight: 24, rowHeight: 26,
      viewport: { t0: 0, t1: 10e9 }, rows, rowIndex, scrollY: 0, selection: null, highlight: null, highlightTrack: null, end: null,
    };
    const times: number[] = [];
    let drawn = { slices: 0, rects: 0 };
    for (let i = 0; i < 7; i++) {
      const ctx = new CountingCanvas();
      const t0 = performance.now();
      drawn = renderTimeline(ctx, input);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    expect(drawn.slices).toBe(100_000);
    expect(drawn.rects).toBeLessThanOrEqual(100_000);
    console.log(`# timeline render, 100,000 slices in 100 tracks at 1600 px (${drawn.rects} rectangles after merging touching same-state neighbours; counting context, so draw calls only): median ${times[3]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms`);
  });
});

describe('timeline: what is drawn, CPU tracks, wakeups', () => {
  // A thread that runs 20 ms and sleeps 80 ms, woken by another thread; a CPU track naming who ran.
  const window: TimelineWindow = {
    kind: 'window', t0: 0, t1: 1e9, px: 1000, strings: ['running', 'sleeping', 'nap (7)', 'waker (8)'],
    tracks: [
      {
        id: 't7',
        slices: {
          starts: [0, 20e6, 100e6, 120e6], durations: [20e6, 80e6, 20e6, 80e6], states: [0, 1, 0, 1], labels: [-1, -1, -1, -1],
          cpus: [0, -1, 0, -1], merged: [1, 1, 1, 1], links: [null, { track: 't8', time: 100e6, kind: 'wokenBy' }, null, null],
        },
        instants: { times: [5e6, 110e6], kinds: [0, 0] },
      },
      { id: 't8', slices: { starts: [95e6], durations: [10e6], states: [0], labels: [-1], cpus: [1], merged: [1], links: [null] } },
      { id: 'c0', slices: { starts: [0, 20e6], durations: [20e6, 80e6], states: [0, 0], labels: [2, 3], cpus: [0, 0], merged: [1, 1], links: [null, null] } },
    ],
  };
  const rows = [
    { id: 't7', label: 'nap', detail: '' }, { id: 't8', label: 'waker', detail: '' }, { id: 'c0', label: 'CPU 0', detail: '', kind: 'cpu' },
  ];
  const rowIndex = new Map(rows.map((r, i) => [r.id, i]));
  const draw = (ctx: CountingCanvas, extra: { totals?: boolean; extraLinks?: { fromTrack: string; time: number; toTrack: string; at: number }[] } = {}) => renderTimeline(ctx, {
    data: window, width: 1170, height: 24 + 26 * 3, labelWidth: 170, axisHeight: 24, rowHeight: 26,
    viewport: { t0: 0, t1: 200e6 }, rows, rowIndex, scrollY: 0, selection: null, highlight: null, highlightTrack: null, end: null, ...extra,
  });

  it('counts the time of each state drawn per track, within the view', () => {
    const stats = draw(new CountingCanvas(), { totals: true });
    expect(stats.totals?.['t7']).toEqual({ running: 40e6, sleeping: 160e6 });
    expect(stats.totals?.['c0']).toEqual({ running: 100e6 });
    expect(stats.instants).toBe(2);
    expect(draw(new CountingCanvas()).totals).toBeUndefined();
  });

  it('colours a CPU track by the thread that ran, and points wakeup arrows at the end of the sleep', () => {
    const ctx = new CountingCanvas();
    const stats = draw(ctx, { extraLinks: [{ fromTrack: 't8', time: 100e6, toTrack: 't7', at: 100e6 }] });
    const y = 2 * 26 + 13;
    expect(ctx.pixel(50, y)).toBe(pixelOf(threadColor('nap (7)')));
    expect(ctx.pixel(300, y)).toBe(pixelOf(threadColor('waker (8)')));
    expect(threadColor('nap (7)')).not.toBe(threadColor('waker (8)'));
    // The link and the emphasised one of the clicked slice.
    expect(stats.links).toBe(2);
  });

  it('orders threads first and CPUs after, and reads the wakeup time', () => {
    const track = (id: string, kind: string, pid: number, tid: number): TimelineTrack => ({ id, kind, pid, tid, name: id, process: '', start: 0, end: null });
    expect(orderTracks([track('c1', 'cpu', -1, -1), track('t9', 'thread', 5, 9), track('c0', 'cpu', -1, -1), track('t5', 'thread', 5, 5)], '').map((t) => t.id))
      .toEqual(['t5', 't9', 'c0', 'c1']);
    const slice = { start: 20e6, duration: 80e6 };
    expect(wakeTime(slice, { pid: 8, tid: 8, name: 'waker', time: 99e6 })).toBe(99e6);
    // An agent that did not see the wakeup sends a time before the session: the slice's end.
    expect(wakeTime(slice, { pid: 8, tid: 8, name: 'waker', time: -6.2e12 })).toBe(100e6);
    expect(wakeTime(slice, { pid: 8, tid: 8, name: 'waker' })).toBe(100e6);
    expect(wokenByInterrupt({ pid: 0, tid: 0, name: 'interrupt: hrtimer_wakeup' })).toBe(true);
    expect(wokenByInterrupt({ pid: 8, tid: 8, name: 'waker' })).toBe(false);
  });
});

describe('timeline: slices that overlap', () => {
  it('end a slice at the next one\'s start, so that nothing is drawn or counted twice', () => {
    // An agent that applied a wakeup after later switches: a runnable slice running over the next ones.
    const window: TimelineWindow = {
      kind: 'window', t0: 0, t1: 1e9, px: 1000, strings: ['running', 'runnable', 'sleeping'],
      tracks: [{ id: 't1', slices: { starts: [0, 10e6, 11e6, 30e6], durations: [10e6, 100e6, 19e6, 70e6], states: [0, 1, 0, 2], labels: [-1, -1, -1, -1], cpus: [0, -1, 0, -1], merged: [1, 1, 1, 1], links: [null, null, null, null] } }],
    };
    const rows = [{ id: 't1', label: 'w', detail: '' }];
    const stats = renderTimeline(new CountingCanvas(), {
      data: window, width: 1170, height: 50, labelWidth: 170, axisHeight: 24, rowHeight: 26, viewport: { t0: 0, t1: 100e6 },
      rows, rowIndex: new Map([['t1', 0]]), scrollY: 0, selection: null, highlight: null, highlightTrack: null, end: null, totals: true,
    });
    expect(stats.totals?.['t1']).toEqual({ running: 29e6, runnable: 1e6, sleeping: 70e6 });
  });
});
