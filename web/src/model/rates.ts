import type { Counter, Session } from '../api/types';

export interface CounterView {
  name: string;
  kind: string;
  description: string;
  value: number;
  /** Measured per second from two snapshots at least `minSeconds` of running time apart; null until then. */
  rate: number | null;
}

export interface SourceView {
  id: string;
  title: string;
  /** Part of every session without being named (the process lifecycle source). */
  implicit: boolean;
  options: Record<string, unknown>;
  mechanisms: string[];
  counters: CounterView[];
}

interface Reference {
  elapsed: number;
  values: Map<string, number>;
}

/**
 * Rates of a session's counters, measured from consecutive snapshots: the difference of two
 * values over the difference of their `elapsedSeconds` (running time, so a pause does not dilute
 * them). A rate is taken over at least `minSeconds`, so that two messages a few ms apart do not make
 * noise; between measurements the last rate stays. A counter that went down (a reset) starts over.
 */
export class CounterRates {
  private reference = new Map<string, Reference>();
  private rates = new Map<string, number>();
  private sessionId = '';

  constructor(private readonly minSeconds = 0.9) {}

  update(session: Session): SourceView[] {
    if (session.id !== this.sessionId) {
      this.sessionId = session.id;
      this.reference.clear();
      this.rates.clear();
    }
    const elapsed = session.elapsedSeconds;
    return session.sources.map((source) => {
      const ref = this.reference.get(source.id);
      const measure = ref !== undefined && elapsed - ref.elapsed >= this.minSeconds;
      const counters = source.counters.map((c: Counter): CounterView => {
        const key = `${source.id}/${c.name}`;
        if (ref && measure) {
          const before = ref.values.get(c.name);
          if (before !== undefined && c.value >= before) this.rates.set(key, (c.value - before) / (elapsed - ref.elapsed));
          else this.rates.delete(key);
        }
        if (ref && c.value < (ref.values.get(c.name) ?? 0)) this.rates.delete(key);
        return { name: c.name, kind: c.kind, description: c.description ?? '', value: c.value, rate: this.rates.get(key) ?? null };
      });
      if (!ref || measure || elapsed < ref.elapsed) {
        this.reference.set(source.id, { elapsed, values: new Map(source.counters.map((c) => [c.name, c.value])) });
      }
      return { id: source.id, title: source.title, implicit: source.implicit, options: source.options, mechanisms: source.mechanisms, counters };
    });
  }
}
