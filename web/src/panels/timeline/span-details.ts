import type { TimelineRelated, TimelineSliceDetail } from '../../api/types';
import type { SpanRecord } from '../../model/timeline-spans';
import { activityColor } from '../../render/colors';
import { h } from '../../ui/dom';
import { formatDuration, formatTime } from '../../ui/format';
import { stackList } from './stack-list';

/**
 * The details of an activity-lane span (`?track&at&lane=spans`): its category, what it was (the
 * label: `read fd 3 pipe:[1234]`), when and how long, the stack it was called from, and its other
 * end — the device's track for a thread's span, the thread that issued it for a device's — with a
 * button that goes there. `shown` is the span as the window drew it (merged spans say so).
 */
export function spanDetail(detail: TimelineSliceDetail, shown: SpanRecord | null, onDevice: boolean, go: (related: TimelineRelated) => void): Node[] {
  const parts: Node[] = [
    h('dl', { class: 'tl-facts' },
      h('dt', {}, 'activity'), h('dd', { 'data-testid': 'span-category' }, h('span', { class: 'swatch lane', style: `background:${activityColor(detail.state)}` }), ` ${detail.state}`),
      h('dt', {}, 'what'), h('dd', { 'data-testid': 'span-label' }, detail.label ?? '(no detail)'),
      h('dt', {}, 'start'), h('dd', {}, formatTime(detail.start, detail.duration)),
      h('dt', {}, 'duration'), h('dd', { 'data-testid': 'span-duration' }, formatDuration(detail.duration)),
      ...(shown && shown.depth > 0 ? [h('dt', {}, 'within'), h('dd', {}, `${shown.depth} outer span${shown.depth > 1 ? 's' : ''} (the call that issued it)`)] : []),
      ...(shown && shown.merged > 1 ? [h('dt', {}, 'merged'), h('dd', {}, `drawn with ${shown.merged - 1} more under a pixel: zoom in to tell them apart`)] : [])),
    h('h4', {}, onDevice ? 'Issued from' : 'Called from'),
    stackList(detail.stack, 'span-stack', 'No stack captured for this span.'),
  ];
  const related = detail.related;
  if (related) {
    parts.push(
      h('h4', {}, onDevice ? 'Issued by' : 'On the device'),
      h('p', { 'data-testid': 'span-related', 'data-track': related.track }, related.name, h('span', { class: 'muted' }, ` at ${formatTime(related.time, detail.duration)}`)),
      h('button', { type: 'button', 'data-testid': 'jump-to-related', onclick: () => go(related) }, `Go to ${related.name}`));
  }
  return parts;
}
