import { describe, expect, it } from 'vitest';
import type { Counter } from '../src/api/types';
import { CounterRates } from '../src/model/rates';
import { session } from './fixtures';

function snapshot(elapsed: number, samples: number, lost = 0, id = 's1') {
  const counters: Counter[] = [
    { name: 'samples', value: samples, kind: 'events', description: '' },
    { name: 'lost.counts_full', value: lost, kind: 'lost', description: '' },
    { name: 'bpf.ns_per_run', value: 2100, kind: 'info', description: '' },
  ];
  return session(id, [], {
    elapsedSeconds: elapsed,
    sources: [{ id: 'cpu', title: 'On-CPU sampling', layer: 'cpu', implicit: false, options: { frequency: 99 }, mechanisms: [], counters }],
  });
}

describe('counter rates', () => {
  it('measures rates from consecutive snapshots over running time, not from the configured rate', () => {
    const rates = new CounterRates();
    expect(rates.update(snapshot(1, 100))[0]!.counters[0]!.rate).toBeNull();
    // Two messages a few ms apart: no noisy rate from them.
    expect(rates.update(snapshot(1.01, 101))[0]!.counters[0]!.rate).toBeNull();
    const after = rates.update(snapshot(2, 298, 4))[0]!;
    expect(after.counters[0]!.rate).toBeCloseTo(198);
    expect(after.counters[1]!.rate).toBeCloseTo(4);
    // Paused: elapsed does not move; the last rate stays.
    expect(rates.update(snapshot(2, 298, 4))[0]!.counters[0]!.rate).toBeCloseTo(198);
    // Another session starts over.
    expect(rates.update(snapshot(5, 10, 0, 's2'))[0]!.counters[0]!.rate).toBeNull();
  });

  it('forgets a rate when a counter goes down (a reset)', () => {
    const rates = new CounterRates();
    rates.update(snapshot(1, 500));
    rates.update(snapshot(2, 600));
    expect(rates.update(snapshot(3, 20))[0]!.counters[0]!.rate).toBeNull();
    expect(rates.update(snapshot(4, 120))[0]!.counters[0]!.rate).toBeCloseTo(100);
  });
});
