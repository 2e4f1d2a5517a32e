/** What happened to a live view handed to {@link LiveModel.apply}. */
export type ApplyResult =
  /** The model now matches the view. */
  | 'applied'
  /** The view is older than what the model holds (it overlapped a resync): nothing to do. */
  | 'stale'
  /** The view does not follow what the model holds (another epoch, a gap, bad columns): resync. */
  | 'resync';

/**
 * The client side of one model instance: kept current by the live-model binding, which hands it
 * every live view the session stream brings (whole, or the change since the previous one) and, when
 * one does not apply, the answer of `GET …/models/{id}?cursor=…` (the cursor is the agent's: the
 * stream names it for every change, the binding keeps it). Panels read it; they never fetch.
 * One implementation per model type, created by the panel definition registered for that type.
 */
export interface LiveModel {
  apply(view: unknown): ApplyResult;
  /** Forgets everything (the session was reset or another one is shown). */
  clear(): void;
  /** Bumped on every applied change: views cache against it. */
  readonly revision: number;
}

/** A live model whose every view is whole (histogram, table, timeline summary, breakdown). */
export class ReplaceModel<T extends object> implements LiveModel {
  value: T | null = null;
  revision = 0;

  constructor(private readonly check: (view: unknown) => view is T) {}

  apply(view: unknown): ApplyResult {
    if (!this.check(view)) return 'resync';
    const version = (view as { version?: unknown }).version;
    const held = (this.value as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && typeof held === 'number' && version < held) return 'stale';
    this.value = view;
    this.revision++;
    return 'applied';
  }

  clear(): void {
    this.value = null;
    this.revision++;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
