import { ApiError } from '../api/client';
import { h, setText } from './dom';

/** Shows what went wrong: the problem details title and detail the agent sent, or the error message. */
export class ErrorBanner {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly log: HTMLDetailsElement;
  private readonly logText: HTMLPreElement;

  constructor() {
    this.title = h('strong', { 'data-testid': 'error-title' });
    this.detail = h('span', { 'data-testid': 'error-detail' });
    this.logText = h('pre', { 'data-testid': 'error-log' });
    this.log = h('details', { class: 'error-log', hidden: true }, h('summary', {}, 'Log'), this.logText);
    this.element = h('div', { class: 'error-banner', role: 'alert', 'data-testid': 'error', hidden: true },
      h('div', { class: 'error-text' }, this.title, ' ', this.detail, this.log),
      h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss', 'data-testid': 'error-dismiss', onclick: () => this.clear() }, '✕'));
  }

  show(error: unknown): void {
    let title = 'Error';
    let detail = '';
    let log = '';
    if (error instanceof ApiError) {
      title = error.title;
      detail = error.detail ?? '';
      log = error.log ?? '';
    } else if (error instanceof Error) {
      detail = error.message;
    } else {
      detail = String(error);
    }
    setText(this.title, title);
    setText(this.detail, detail);
    setText(this.logText, log);
    this.log.hidden = log === '';
    this.log.open = false;
    this.element.hidden = false;
  }

  clear(): void {
    this.element.hidden = true;
  }
}
