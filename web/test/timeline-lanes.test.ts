import { describe, expect, it } from 'vitest';
import type { BreakdownThread, TimelineTrack, TimelineWindow } from '../src/api/types';
import { syntheticTimeline } from '../src/bench';
import { LANE_ROW_H, orderCategories, partAt, readSpan, ROW_H, rowBands, spanAt, spanCategories, hasSpans } from '../src/model/timeline-spans';
import { waitReasons } from '../src/panels/breakdown/panel';
import { orderTracks } from '../src/panels/timeline/panel';
import { ACTIVITY_COLORS, activityColor } from '../src/render/colors';
import { pixelOf, renderTimeline, stateColor, type PixelImage, type TimelineCanvas, type TimelineRow } from '../src/render/timeline-renderer';

/** Keeps the pixel layer; counts labels. */
class PixelCanvas implements TimelineCanvas {
  fillStyle: string | CanvasGradient | CanvasPattern = '#000';
  strokeStyle: string | CanvasGradient | CanvasPattern = '#000';
  font = '';
  textBaseline: CanvasTextBaseline = 'alphabetic';
  lineWidth = 1;
  globalAlpha = 1;
  texts: string[] = [];
  image: PixelImage | null = null;
  setTransform(): void {}
  clearRect(): void {}
  fillRect(): void {}
  beginPath(): void {}
  rect(): void {}
  moveTo(): void {}
  lineTo(): void {}
  fill(): void {}
  stroke(): void {}
  save(): void {}
  restore(): void {}
  clip(): void {}
  fillText(text: string): void {
    this.texts.push(text);
  }
  strokeRect(): void {}
  createImageData(width: number, height: number): PixelImage {
    return { data: new Uint8ClampedArray(width * height * 4), width, height };
  }
  putImageData(image: PixelImage): void {
    this.image = image;
  }
  /** The pixel at (x, y) of the plot area. */
  pixel(x: number, y: number): number {
    const img = this.image!;
    return new Uint32Array(img.data.buffer)[y * img.width + x]!;
  }
}

// A thread in a read of a pipe (1.0–1.5 s), with a block request nested in a write (1.6–1.9 s, the
// request 1.7–1.8 s) that also shows on the disk's track. 1000 px of plot for 2 s: 2 ms a pixel.
const strings = ['running', 'sleeping', 'syscall', 'blockio', 'read fd 3 pipe:[1234]', 'write fd 4 /var/lib/x', 'write sda, queue 3 ms + device 9 ms'];
const window: TimelineWindow = {
  kind: 'window', t0: 0, t1: 2e9, px: 1000, strings,
  tracks: [
    {
      id: 't7',
      slices: { starts: [0, 1e9], durations: [1e9, 1e9], states: [0, 1], labels: [-1, -1], cpus: [0, -1], merged: [1, 1], links: [null, null] },
      spans: [[1e9, 0.5e9, 2, 4, 0, 1], [1.6e9, 0.3e9, 2, 5, 0, 1], [1.7e9, 0.1e9, 3, 6, 1, 1]],
    },
    { id: 'd:sda', slices: { starts: [], durations: [], states: [], labels: [], cpus: [], merged: [], links: [] }, spans: [[1.7e9, 0.1e9, 3, 6, 0, 1]] },
  ],
};
const rows: TimelineRow[] = [{ id: 't7', label: 'nap', detail: '', kind: 'thread' }, { id: 'd:sda', label: 'sda', detail: '', kind: 'device' }];
const rowIndex = new Map(rows.map((r, i) => [r.id, i]));
const draw = (ctx: PixelCanvas, lanes: boolean) => renderTimeline(ctx, {
  data: window, width: 1170, height: 24 + 2 * (lanes ? LANE_ROW_H : ROW_H), labelWidth: 170, axisHeight: 24, rowHeight: lanes ? LANE_ROW_H : ROW_H,
  viewport: { t0: 0, t1: 2e9 }, rows, rowIndex, scrollY: 0, selection: null, highlight: null, highlightTrack: null, end: null, lanes,
});

describe('activity lanes: layout', () => {
  it('puts a shorter state bar over the lanes of a thread, fills a device row with lanes, keeps CPUs whole', () => {
    const thread = rowBands('thread', LANE_ROW_H, true);
    expect(thread.lanes).toHaveLength(3);
    // Top to bottom, without overlap, within the row; the outermost lane is tall enough for a label.
    const bands = [thread.state, ...thread.lanes];
    for (let i = 1; i < bands.length; i++) expect(bands[i]!.top).toBeGreaterThanOrEqual(bands[i - 1]!.top + bands[i - 1]!.height);
    expect(thread.lanes[2]!.top + thread.lanes[2]!.height).toBeLessThanOrEqual(LANE_ROW_H);
    expect(thread.state.height).toBeGreaterThanOrEqual(12);
    expect(thread.lanes[0]!.height).toBeGreaterThanOrEqual(10);
    const device = rowBands('device', LANE_ROW_H, true);
    expect(device.state.height).toBe(0);
    expect(device.lanes[0]!.top).toBe(3);
    expect(device.lanes[2]!.top + device.lanes[2]!.height).toBeLessThanOrEqual(LANE_ROW_H);
    expect(rowBands('cpu', LANE_ROW_H, true)).toEqual({ state: { top: 3, height: LANE_ROW_H - 6 }, lanes: [] });
    // Without lanes, rows are as they were.
    expect(rowBands('thread', ROW_H, false)).toEqual({ state: { top: 3, height: 20 }, lanes: [] });
  });

  it('tells the state bar from each lane under the pointer', () => {
    const bands = rowBands('thread', LANE_ROW_H, true);
    const mid = (b: { top: number; height: number }): number => b.top + b.height / 2;
    expect(partAt(bands, mid(bands.state))).toBe(-1);
    expect(partAt(bands, mid(bands.lanes[0]!))).toBe(0);
    expect(partAt(bands, mid(bands.lanes[1]!))).toBe(1);
    expect(partAt(bands, LANE_ROW_H - 1)).toBe(2);
    expect(partAt(bands, 0)).toBe(-1);
    expect(partAt(rowBands('thread', ROW_H, false), 13)).toBe(-1);
    expect(partAt(rowBands('device', LANE_ROW_H, true), 1)).toBeNull();
  });

  it('orders threads, then CPUs, then devices by category and name', () => {
    const track = (id: string, kind: string, pid: number, name = id, process = ''): TimelineTrack => ({ id, kind, pid, tid: pid, name, process, start: 0, end: null });
    const ordered = orderTracks([
      track('d:sdb', 'device', -1, 'sdb', 'blockio'), track('c0', 'cpu', -1), track('d:10.0.0.2:5432', 'device', -1, '10.0.0.2:5432', 'tcp'),
      track('d:sda', 'device', -1, 'sda', 'blockio'), track('t5', 'thread', 5),
    ], '');
    expect(ordered.map((t) => t.id)).toEqual(['t5', 'c0', 'd:sda', 'd:sdb', 'd:10.0.0.2:5432']);
    expect(orderTracks(ordered, 'tcp').map((t) => t.id)).toEqual(['d:10.0.0.2:5432']);
  });
});

describe('activity lanes: reading spans', () => {
  it('reads a span tuple, the categories present and whether there are any', () => {
    expect(readSpan(strings, window.tracks[0]!.spans![2]!)).toEqual({ start: 1.7e9, duration: 0.1e9, category: 'blockio', label: 'write sda, queue 3 ms + device 9 ms', depth: 1, merged: 1 });
    expect(readSpan(strings, [5, 1, 2, -1, 0, 4]).label).toBeNull();
    const order = Object.keys(ACTIVITY_COLORS);
    expect(spanCategories(window, order)).toEqual(['syscall', 'blockio']);
    expect(orderCategories(['gc', 'tcp', '', 'syscall', 'tcp', 'fault'], order)).toEqual(['syscall', 'tcp', 'fault', 'gc']);
    expect(hasSpans(window)).toBe(true);
    expect(hasSpans({ ...window, tracks: [{ ...window.tracks[0]!, spans: [] }] })).toBe(false);
    expect(spanCategories(null)).toEqual([]);
  });

  it('finds the span under the pointer in each lane, the nearest within a tolerance', () => {
    const track = window.tracks[0]!;
    expect(spanAt(track, 1.25e9, 0, 0)).toBe(0);
    // Over the block request's time, the outer lane gives the write, the nested lane the request.
    expect(spanAt(track, 1.75e9, 0, 0)).toBe(1);
    expect(spanAt(track, 1.75e9, 1, 0)).toBe(2);
    // Deeper lanes than drawn are the last one's: nothing there.
    expect(spanAt(track, 1.75e9, 5, 0)).toBe(-1);
    // Just past the read's end: found within 3 pixels' worth, not beyond.
    expect(spanAt(track, 1.503e9, 0, 6e6)).toBe(0);
    expect(spanAt(track, 1.55e9, 0, 6e6)).toBe(-1);
    expect(spanAt(undefined, 1e9, 0, 1e9)).toBe(-1);
    expect(spanAt(window.tracks[1], 1.75e9, 0, 0)).toBe(0);
  });
});

describe('activity lanes: drawing', () => {
  it('draws spans in their lane in their category colour, nested ones below, with labels when wide', () => {
    const ctx = new PixelCanvas();
    const stats = draw(ctx, true);
    const bands = rowBands('thread', LANE_ROW_H, true);
    const x = (t: number): number => Math.round(t / 2e6);
    const y = (b: { top: number; height: number }, row = 0): number => Math.floor(row * LANE_ROW_H + b.top + b.height / 2);
    expect(ctx.pixel(x(1.25e9), y(bands.lanes[0]!))).toBe(pixelOf(activityColor('syscall')));
    expect(ctx.pixel(x(1.75e9), y(bands.lanes[0]!))).toBe(pixelOf(activityColor('syscall')));
    expect(ctx.pixel(x(1.75e9), y(bands.lanes[1]!))).toBe(pixelOf(activityColor('blockio')));
    // The state bar above stays the thread's state; no nested span before 1.7 s.
    expect(ctx.pixel(x(1.25e9), y(bands.state))).toBe(pixelOf(stateColor('sleeping')));
    expect(ctx.pixel(x(1.65e9), y(bands.lanes[1]!))).not.toBe(pixelOf(activityColor('blockio')));
    // The disk's row: the request in its outer lane, from the row's top.
    const device = rowBands('device', LANE_ROW_H, true);
    expect(ctx.pixel(x(1.75e9), y(device.lanes[0]!, 1))).toBe(pixelOf(activityColor('blockio')));
    expect(stats.spans).toBe(4);
    expect(ctx.texts).toContain('read fd 3 pipe:[1234]');
    expect(activityColor('gc')).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('draws no lane where rows have none, and only the spans in view', () => {
    expect(draw(new PixelCanvas(), false).spans).toBe(0);
    const ctx = new PixelCanvas();
    const stats = renderTimeline(ctx, {
      data: window, width: 1170, height: 24 + 2 * LANE_ROW_H, labelWidth: 170, axisHeight: 24, rowHeight: LANE_ROW_H,
      viewport: { t0: 1.55e9, t1: 1.65e9 }, rows, rowIndex, scrollY: 0, selection: null, highlight: null, highlightTrack: null, end: null, lanes: true,
    });
    expect(stats.spans).toBe(1);
  });

  it('draws about 2,000 spans with 6,000 slices in 30 rows (measured, reported)', () => {
    const { window: big, rows: bigRows } = syntheticTimeline(6000, 28, 2000);
    const index = new Map(bigRows.map((r, i) => [r.id, i]));
    const times: number[] = [];
    const plain: number[] = [];
    let spans = 0;
    for (let i = 0; i < 7; i++) {
      for (const lanes of [true, false]) {
        const t0 = performance.now();
        const stats = renderTimeline(new PixelCanvas(), {
          data: big, width: 1600, height: 24 + bigRows.length * LANE_ROW_H, labelWidth: 170, axisHeight: 24, rowHeight: lanes ? LANE_ROW_H : ROW_H,
          viewport: { t0: 0, t1: 10e9 }, rows: bigRows, rowIndex: index, scrollY: 0, selection: null, highlight: null, highlightTrack: null, end: null, lanes,
        });
        (lanes ? times : plain).push(performance.now() - t0);
        if (lanes) spans = stats.spans;
      }
    }
    times.sort((a, b) => a - b);
    plain.sort((a, b) => a - b);
    expect(spans).toBeGreaterThanOrEqual(1900);
    expect(spans).toBeLessThanOrEqual(2100);
    console.log(`# timeline with activity lanes, ${spans} spans + 6,000 slices in 30 rows at 1600 px (pixel-keeping context): median ${times[3]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms; without lanes median ${plain[3]!.toFixed(1)} ms, min ${plain[0]!.toFixed(1)} ms`);
  });
});

describe('breakdown: what a thread waited in', () => {
  it('words each reason, longest first, with its share of the thread\'s time', () => {
    const thread: BreakdownThread = {
      pid: 7, tid: 7, name: 'nap', wall: 2e9, states: { sleeping: 1.5e9, running: 0.5e9 }, topFunctions: [], topBlocking: [],
      topReasons: [
        { reason: 'in write fd 4 /var/lib/x (write sda, queue 3 ms + device 9 ms)', category: 'syscall', value: 0.2e9 },
        { reason: 'in read fd 3 pipe:[1234]', category: 'syscall', value: 0.5e9 },
        { reason: 'nothing', category: 'syscall', value: 0 },
      ],
    };
    expect(waitReasons(thread)).toEqual([
      { text: 'waiting in read fd 3 pipe:[1234]', category: 'syscall', value: 0.5e9, share: 0.25 },
      { text: 'waiting in write fd 4 /var/lib/x (write sda, queue 3 ms + device 9 ms)', category: 'syscall', value: 0.2e9, share: 0.1 },
    ]);
    const { topReasons: _, ...older } = thread;
    expect(waitReasons(older)).toEqual([]);
    expect(waitReasons({ ...thread, wall: 0 })[0]!.share).toBe(0);
  });
});
