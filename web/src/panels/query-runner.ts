import type { QueryParams } from '../api/client';

/**
 * Runs one query at a time for a panel: a newer request aborts the older one, an identical request
 * while its answer is held is not sent again, and answers that arrive after a newer request are
 * dropped. null params mean "no query" (the live view).
 */
export class QueryRunner<T> {
  private controller: AbortController | null = null;
  private key: string | null = null;
  private held = false;
  count = 0;

  constructor(
    private readonly run: (params: QueryParams, signal: AbortSignal) => Promise<T>,
    private readonly done: (result: T | null, error: string | null) => void,
  ) {}

  request(params: QueryParams | null, force = false): void {
    const key = params === null ? null : JSON.stringify(params);
    if (!force && key === this.key && (this.held || this.controller)) return;
    this.controller?.abort();
    this.controller = null;
    this.key = key;
    this.held = false;
    if (params === null) {
      this.done(null, null);
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    this.count++;
    this.run(params, controller.signal).then((result) => {
      if (controller !== this.controller) return;
      this.controller = null;
      this.held = true;
      this.done(result, null);
    }, (e: unknown) => {
      if (controller !== this.controller) return;
      this.controller = null;
      this.held = false;
      this.done(null, e instanceof Error ? e.message : String(e));
    });
  }

  get busy(): boolean {
    return this.controller !== null;
  }

  dispose(): void {
    this.controller?.abort();
    this.controller = null;
  }
}
