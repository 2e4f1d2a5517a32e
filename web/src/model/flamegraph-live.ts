import type { FlameGraphUpdate } from '../api/types';
import type { ApplyResult, LiveModel } from '../live/live-model';
import { isObject } from '../live/live-model';
import { FlameGraphModel } from './flamegraph-model';
import { WindowSeries } from './windows';

/**
 * A flame graph model instance kept live: the call tree since the last reset (columnar deltas) and
 * its per-window history (the time strip). The tree and the windows apply independently: after a
 * resync the tree may be ahead of the stream (its next delta is then stale) while new windows still
 * count.
 */
export class FlameGraphLive implements LiveModel {
  readonly tree = new FlameGraphModel();
  readonly windows = new WindowSeries();
  unit = 'samples';
  droppedWindows = 0;
  revision = 0;

  apply(view: unknown): ApplyResult {
    if (!isObject(view)) return 'resync';
    const update = view as unknown as FlameGraphUpdate;
    const result = this.tree.apply(update);
    if (result === 'resync') return 'resync';
    if (typeof update.unit === 'string') this.unit = update.unit;
    if (typeof update.droppedWindows === 'number') this.droppedWindows = update.droppedWindows;
    if (update.windows && !this.windows.apply(update.windows, update.full)) {
      this.revision++;
      return 'resync';
    }
    this.revision++;
    return 'applied';
  }

  clear(): void {
    this.tree.clear();
    this.windows.clear();
    this.revision++;
  }
}
