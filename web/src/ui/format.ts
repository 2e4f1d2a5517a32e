// Numbers for people: counts, durations, bytes, rates, model values in their unit.

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = s % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(secs)}s`;
  if (minutes > 0) return `${minutes}m ${pad(secs)}s`;
  return `${secs}s`;
}

function trim(x: number, digits: number): string {
  return x.toFixed(digits).replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
}

/** A duration given in ns: "850 ns", "12.5 µs", "3.2 ms", "1.25 s", "2m 05s". */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return '–';
  const a = Math.abs(ns);
  const sign = ns < 0 ? '−' : '';
  if (a < 1e3) return `${sign}${trim(a, 0)} ns`;
  if (a < 1e6) return `${sign}${trim(a / 1e3, a < 1e4 ? 2 : a < 1e5 ? 1 : 0)} µs`;
  if (a < 1e9) return `${sign}${trim(a / 1e6, a < 1e7 ? 2 : a < 1e8 ? 1 : 0)} ms`;
  if (a < 120e9) return `${sign}${trim(a / 1e9, a < 1e10 ? 2 : 1)} s`;
  return `${sign}${formatElapsed(a / 1e9)}`;
}

/** A time since the session started (ns), with as many digits as `spanNs` (what is on screen) needs. */
export function formatTime(ns: number, spanNs = 1e9): string {
  const s = ns / 1e9;
  const digits = spanNs < 1e4 ? 6 : spanNs < 1e6 ? 5 : spanNs < 1e8 ? 3 : spanNs < 1e10 ? 2 : 1;
  if (Math.abs(s) < 60) return `${s.toFixed(digits)} s`;
  const m = Math.floor(s / 60);
  return `${m}m ${(s - m * 60).toFixed(Math.min(digits, 3))}s`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${trim(bytes / 1024, 1)} KiB`;
  if (bytes < 1024 ** 3) return `${trim(bytes / 1024 ** 2, 1)} MiB`;
  return `${trim(bytes / 1024 ** 3, 2)} GiB`;
}

/** A rate per second: "1,234/s", "12.5/s", "0.3/s". */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '–';
  const a = Math.abs(perSecond);
  if (a >= 100) return `${formatCount(perSecond)}/s`;
  if (a >= 10) return `${perSecond.toFixed(1)}/s`;
  return `${trim(perSecond, 2)}/s`;
}

/** Normalises how the agent spells units: `us` and `µs` are microseconds. */
export function normalizeUnit(unit: string | null | undefined): string {
  if (!unit) return '';
  if (unit === 'us' || unit === 'µs' || unit === 'usec') return 'µs';
  return unit;
}

/** The label of a value column in `unit`: "samples", "time (µs)". */
export function unitLabel(unit: string | null | undefined): string {
  const u = normalizeUnit(unit);
  if (u === '' || u === 'samples') return 'samples';
  if (u === 'ns' || u === 'µs' || u === 'ms' || u === 's') return 'time';
  return u;
}

const TIME_SCALE: Readonly<Record<string, number>> = { ns: 1, 'µs': 1e3, ms: 1e6, s: 1e9 };

/** A value in a model's unit: counts for samples, durations for time units, "12 B" for bytes. */
export function formatValue(value: number, unit: string | null | undefined): string {
  const u = normalizeUnit(unit);
  const scale = TIME_SCALE[u];
  if (scale !== undefined) return formatDuration(value * scale);
  if (u === 'bytes' || u === 'B') return formatBytes(value);
  if (u === '' || u === 'samples') return formatCount(value);
  return `${formatCount(value)} ${u}`;
}

/** A value in a model's unit, short (axis labels): "4 µs", "1 ms", "16". */
export function formatBound(value: number, unit: string | null | undefined): string {
  const u = normalizeUnit(unit);
  const scale = TIME_SCALE[u];
  if (scale !== undefined) return formatDuration(value * scale).replace(/\.\d+/, (m) => (m.length > 2 ? m.slice(0, 2) : m));
  if (u === 'bytes' || u === 'B') return formatBytes(value);
  if (value >= 1e9) return `${trim(value / 1e9, 1)}G`;
  if (value >= 1e6) return `${trim(value / 1e6, 1)}M`;
  if (value >= 1e4) return `${trim(value / 1e3, 1)}k`;
  return String(value);
}

/** A measured value with about three significant digits: "0.345", "12.3", "1,234". */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const a = Math.abs(value);
  if (a >= 1000) return formatCount(value);
  if (a === 0) return '0';
  if (a < 0.001) return value.toExponential(1);
  return String(Number(value.toPrecision(3)));
}

/** A time-series value in its unit: durations for time units, otherwise "0.35 threads". */
export function formatMeasure(value: number, unit: string | null | undefined): string {
  const u = normalizeUnit(unit);
  const scale = TIME_SCALE[u];
  if (scale !== undefined) return formatDuration(value * scale);
  if (u === 'bytes' || u === 'B') return formatBytes(value);
  return u ? `${formatNumber(value)} ${u}` : formatNumber(value);
}
