import type { StackFrame } from '../../api/types';
import { h } from '../../ui/dom';

/** Whether a stack frame is the kernel's (`kind` by name or by number). */
function isKernelFrame(f: StackFrame): boolean {
  return f.kind === 'kernel' || f.kind === 2 || f.module === 'kernel';
}

export function stackList(stack: StackFrame[] | undefined, testid: string, empty: string): HTMLElement {
  if (!stack || stack.length === 0) return h('p', { class: 'muted', 'data-testid': testid }, empty);
  // Root first on the wire; the innermost frame is what one reads first. The kernel's frames (the
  // innermost, for a block) fold into one line that opens: the user frames say where the code was.
  const frames = stack.slice().reverse();
  const item = (f: StackFrame): HTMLElement => h('li', { title: f.module ?? '', class: isKernelFrame(f) ? 'kernel' : 'user' },
    h('code', {}, f.name), f.module ? h('span', { class: 'muted' }, ` ${f.module}`) : null);
  let k = 0;
  while (k < frames.length && isKernelFrame(frames[k]!)) k++;
  const list = h('ol', { class: 'tl-stack', reversed: true, start: frames.length - k }, ...frames.slice(k).map(item));
  if (k < 2) return h('ol', { class: 'tl-stack', 'data-testid': testid, reversed: true }, ...frames.map(item));
  const kernel = frames.slice(0, k);
  return h('div', { 'data-testid': testid, class: 'tl-stack-wrap' },
    h('details', { class: 'tl-kernel' },
      // Named by the innermost frame that is not the scheduler's own (do_nanosleep, anon_pipe_read).
      h('summary', {}, `${k} kernel frames, in `, h('code', {}, kernel.find((f) => !/sched|switch|^__/.test(f.name))?.name ?? kernel[0]!.name), ' …'),
      h('ol', { class: 'tl-stack', reversed: true, start: frames.length }, ...kernel.map(item))),
    list);
}
