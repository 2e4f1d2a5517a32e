import { describe, expect, it } from 'vitest';
import type { ProcessInfo } from '../src/api/types';
import { formatCount, formatPercent } from '../src/panels/flamegraph/view';
import { filterProcesses } from '../src/ui/process-picker';
import { formatElapsed } from '../src/ui/format';

const proc = (pid: number, name: string, commandLine: string): ProcessInfo => ({ pid, name, commandLine, cpuPercent: 0, threads: 1, rssBytes: 0 });

describe('formatting and filtering', () => {
  it('filters processes by pid, name or command line, ignoring case', () => {
    const list = [proc(1, 'systemd', '/sbin/init'), proc(4242, 'workload', '/tmp/x/Browser_Workload --seconds 60'), proc(77, 'bash', '-bash')];
    expect(filterProcesses(list, '4242').map((p) => p.pid)).toEqual([4242]);
    expect(filterProcesses(list, 'SYSTEMD').map((p) => p.pid)).toEqual([1]);
    expect(filterProcesses(list, 'browser_workload').map((p) => p.pid)).toEqual([4242]);
    expect(filterProcesses(list, '  ').length).toBe(3);
    expect(filterProcesses(list, 'nope')).toEqual([]);
  });

  it('formats percentages, counts and durations', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.0004)).toBe('<0.1%');
    expect(formatPercent(0.05)).toBe('5.00%');
    expect(formatPercent(0.9876)).toBe('98.8%');
    expect(formatPercent(0.99996)).toBe('>99.9%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatElapsed(5.7)).toBe('5s');
    expect(formatElapsed(65)).toBe('1m 05s');
    expect(formatElapsed(3723)).toBe('1h 02m 03s');
  });
});
