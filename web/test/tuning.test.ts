// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import type { AdviceReport, Journal, JournalEntry } from '../src/api/tuning-types';
import { beforeAfter, chartPath, describeEntry, evidenceSource } from '../src/model/tuning';
import { FindingsPanel, type TuningApi } from '../src/ui/findings-panel';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const all = (root: ParentNode, id: string): HTMLElement[] => [...root.querySelectorAll(`[data-testid="${id}"]`)] as HTMLElement[];
const first = (root: ParentNode, id: string): HTMLElement => {
  const el = all(root, id)[0];
  if (!el) throw new Error(`no element with data-testid=${id}`);
  return el;
};

const metric = { id: 'runqlat-p99:42', label: 'run-queue latency p99 of victim (42)', unit: 'us', minimumEffect: 200, lowerIsBetter: true };
const report: AdviceReport = {
  seconds: 10,
  findings: [{
    id: 'cpu-contention.pid42', advisor: 'cpu-contention', title: 'victim (42) waits 8 ms (p99) for a CPU behind 1 CPU hog(s)', layer: 'Kernel',
    evidence: [{ label: 'run-queue latency p99 of victim', value: 8000, unit: 'us', link: { model: 'sched.runqlat', query: { group: 'pid:42' } }, source: 'sched source' }],
    expectedEffect: 'p99 falls', risk: 'hogs get less CPU',
    actions: [{ id: 'renice-hogs', summary: 'nice 19 for spinners (77)', changes: [{ tunable: 'process.nice', target: { scope: 'Process', key: 'pid:77', pid: 77 }, value: '19' }], metric }],
    pids: [42, 77],
  }],
  notes: [{ advisor: 'listen-overflow', text: 'no listen-queue overflows' }],
};
const kept: JournalEntry = {
  id: 't1', findingId: 'cpu-contention.pid42', actionId: 'renice-hogs', title: 't', who: 'api client 127.0.0.1', state: 'Kept',
  changes: [{ tunable: 'process.nice', target: { scope: 'Process', key: 'pid:77', pid: 77 }, before: '0', after: '19' }],
  metric, baseline: [8000, 9000, 7000], after: [300, 200], windowSeconds: 2,
  verdict: { kind: 'Kept', reason: 'improved', baselineMean: 8000, baselineNoise: 1000, afterMean: 250, requiredEffect: 2000 }, secondsToVerdict: 22, steps: [],
};

function fakeApi(mode: string, journal: Journal = { version: 1, actions: [] }): TuningApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    tuningStatus: () => Promise.resolve({ mode, journal: '/tmp/j.json', tuningTokenRequired: false }),
    advise: (body) => { calls.push(`advise ${body.durationSeconds}`); return Promise.resolve(report); },
    lastFindings: () => Promise.resolve({ seconds: 0, findings: [], notes: [] }),
    dryRun: (f, a) => { calls.push(`dry ${f} ${a}`); return Promise.resolve({ findingId: f, actionId: a, changes: kept.changes, metric }); },
    apply: (f, a) => { calls.push(`apply ${f} ${a}`); journal = { version: 1, actions: [kept] }; return Promise.resolve(journal); },
    tuningActions: () => Promise.resolve(journal),
    rollback: (id) => { calls.push(`rollback ${id}`); journal = { version: 1, actions: [{ ...kept, state: 'RolledBack', verdict: { ...kept.verdict!, kind: 'RolledBackByUser', reason: 'by someone' } }] }; return Promise.resolve(journal); },
  };
}

describe('tuning model', () => {
  it('maps an evidence link to the source that shows its model', () => {
    expect(evidenceSource({ model: 'sched.runqlat', query: {} })).toBe('sched');
    expect(evidenceSource({ model: 'tcp.listen', query: {} })).toBe('tcp');
  });

  it('puts the windows before and after on one axis with a gap for the settling window', () => {
    const chart = beforeAfter(kept);
    expect(chart.points.map((p) => p.x)).toEqual([0, 1, 2, 4, 5]);
    expect(chart.baselineMean).toBe(8000);
    expect(chart.afterMean).toBe(250);
    expect(chart.max).toBe(9000);
    expect(chartPath(chart, false, 50, 10)).toBe('M0.0,1.1L10.0,0.0L20.0,2.2');
    expect(chartPath(chart, true, 50, 10).startsWith('M40.0,')).toBe(true);
  });

  it('describes entries by verdict', () => {
    expect(describeEntry(kept)).toBe('kept: improved');
    expect(describeEntry({ ...kept, verdict: null, state: 'Applied' })).toBe('applied, being verified');
    expect(describeEntry({ ...kept, verdict: { ...kept.verdict!, kind: 'RolledBackRegression', reason: 'regressed' } })).toBe('rolled back regression: regressed');
  });
});

describe('findings panel', () => {
  it('shows findings with evidence links, and no Apply button when tuning is off (it says how to enable it)', async () => {
    const open = vi.fn();
    const panel = new FindingsPanel(fakeApi('off'), open, () => {});
    await panel.load();
    await panel.advise();
    expect(all(panel.element, 'finding')).toHaveLength(1);
    expect(all(panel.element, 'apply')).toHaveLength(0);
    expect(panel.element.querySelector('[data-testid="findings-status"]')!.textContent).toContain('--allow-tuning');
    first(panel.element, 'evidence-link').click();
    expect(open).toHaveBeenCalledWith({ model: 'sched.runqlat', query: { group: 'pid:42' } }, [42, 77]);
  });

  it('dry-runs, applies, shows the journal with a before/after chart, and rolls back', async () => {
    const api = fakeApi('apply');
    const panel = new FindingsPanel(api, () => {}, () => {});
    await panel.load();
    await panel.advise();
    first(panel.element, 'dry-run').click();
    await tick();
    expect(first(panel.element, 'finding-result').textContent).toContain('process.nice pid:77 0 → 19');
    first(panel.element, 'apply').click();
    await tick();
    await tick();
    expect(api.calls).toEqual(['advise 10', 'dry cpu-contention.pid42 renice-hogs', 'apply cpu-contention.pid42 renice-hogs']);
    const entry = first(panel.element, 'journal-entry');
    expect(entry.dataset.state).toBe('Kept');
    expect(entry.querySelector('svg')!.getAttribute('aria-label')).toContain('before 8000.0, after 250.0 us');
    first(panel.element, 'rollback').click();
    await tick();
    await tick();
    expect(first(panel.element, 'journal-entry').dataset.state).toBe('RolledBack');
  });
});
