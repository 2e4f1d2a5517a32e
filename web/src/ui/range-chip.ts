import type { SelectionStore } from '../live/selection';
import { h, setText } from './dom';
import { formatDuration, formatTime } from './format';

/** "Live" or "Range 2.00 s – 5.00 s ✕": what a panel answers for, with a way back to live. */
export class RangeChip {
  readonly element: HTMLElement;
  private readonly label: HTMLElement;
  private readonly clear: HTMLButtonElement;
  private readonly unsubscribe: () => void;

  constructor(private readonly selection: SelectionStore, liveLabel = 'Live') {
    this.label = h('span', { class: 'range-chip-label', 'data-testid': 'range-label', 'aria-live': 'polite' }, liveLabel);
    this.clear = h('button', { type: 'button', class: 'link', 'data-testid': 'range-clear', hidden: true, 'aria-label': 'Back to the live view', onclick: () => selection.set(null) }, '✕ live');
    this.element = h('span', { class: 'range-chip' }, this.label, this.clear);
    const render = (): void => {
      const r = selection.range;
      setText(this.label, r ? `Range ${formatTime(r.t0, r.t1 - r.t0)} – ${formatTime(r.t1, r.t1 - r.t0)} (${formatDuration(r.t1 - r.t0)})` : liveLabel);
      this.clear.hidden = !r;
    };
    this.unsubscribe = selection.subscribe(render);
    render();
  }

  dispose(): void {
    this.unsubscribe();
  }
}
