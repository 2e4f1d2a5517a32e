import { ApiError } from '../api/client';
import type { Capabilities, OptionDescriptor, ProcessInfo, SourceDescriptor, StartSessionRequest } from '../api/types';
import {
  buildStartRequest, checkOption, describeOption, fieldKey, SESSION_OPTIONS, sessionOptions,
  type FieldErrors, type RawValue, type StartFormValues,
} from '../form/options';
import { availablePresets, presetOf, type Preset } from '../form/presets';
import { h, setText } from './dom';
import { isKernelThread, ProcessPicker, type ProcessSource } from './process-picker';

interface Field {
  key: string;
  decl: OptionDescriptor;
  read(): RawValue;
  error: HTMLElement;
  focus(): void;
  control: HTMLElement;
}

/** Maps a problem detail such as "source cpu: option frequency: …" to the field it is about. */
export function fieldOfProblem(detail: string | undefined): string | null {
  if (!detail) return null;
  const m = /source (\S+?): option (\S+?):/.exec(detail);
  if (m) return fieldKey(m[1]!, m[2]!);
  const s = /^(windowSeconds|memoryBudgetMiB|durationSeconds|graceSeconds)\b/.exec(detail);
  return s ? fieldKey(null, s[1]!) : null;
}

/**
 * The form that starts a session, generated from the sources the agent describes at
 * /api/capabilities: a checkbox per source that can be chosen, an input per option with its type,
 * range, default and unit (the description as help), checkbox groups for choices. A new source
 * appears here without a change to the UI. Values are checked before anything is sent, with the
 * message next to the field; the agent's own refusal is shown next to its field too.
 */
export class StartForm {
  readonly element: HTMLFormElement;
  readonly picker: ProcessPicker;
  private readonly sourcesBox: HTMLElement;
  private readonly sourcesError: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly kernelNote: HTMLElement;
  private readonly presetsBox: HTMLElement;
  private readonly sessionGrid: HTMLElement;
  private readonly comm: HTMLInputElement;
  private readonly cgroup: HTMLInputElement;
  private readonly detached: HTMLInputElement;
  private readonly submit: HTMLButtonElement;
  private readonly formError: HTMLElement;
  private readonly fields = new Map<string, Field>();
  private readonly sourceBoxes = new Map<string, HTMLInputElement>();
  private readonly extraErrors = new Map<string, HTMLElement>();
  private readonly presetButtons = new Map<string, HTMLButtonElement>();
  private sources: SourceDescriptor[] = [];
  private presets: Preset[] = [];
  private sessionDecls: readonly OptionDescriptor[] = SESSION_OPTIONS;
  private busy = false;

  constructor(
    api: ProcessSource,
    private readonly onStart: (request: StartSessionRequest) => Promise<void>,
  ) {
    this.picker = new ProcessPicker(api, () => this.renderSummary());
    this.sourcesBox = h('div', { class: 'sources', 'data-testid': 'sources' }, h('p', { class: 'muted' }, 'Asking the agent what it can observe…'));
    this.sourcesError = h('div', { class: 'field-error', role: 'alert', 'data-testid': 'error-sources', hidden: true });
    this.summary = h('span', { class: 'filter-summary', 'data-testid': 'filter-summary' });
    this.kernelNote = h('p', { class: 'notice', 'data-testid': 'filter-kernel-note', hidden: true, role: 'status' });
    this.presetsBox = h('div', { class: 'presets', role: 'group', 'aria-label': 'Presets', 'data-testid': 'presets', hidden: true });
    this.comm = h('input', { type: 'text', id: 'filter-comm', 'data-testid': 'filter-comm', placeholder: 'e.g. nginx', maxlength: 64, autocomplete: 'off', 'aria-describedby': 'filter-comm-help filter-comm-error', oninput: () => this.renderSummary() });
    this.cgroup = h('input', { type: 'text', id: 'filter-cgroup', 'data-testid': 'filter-cgroup', placeholder: 'e.g. /system.slice/nginx.service', autocomplete: 'off', 'aria-describedby': 'filter-cgroup-help filter-cgroup-error', oninput: () => this.renderSummary() });
    this.detached = h('input', { type: 'checkbox', id: 'start-detached', 'data-testid': 'detached' });
    this.submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'start' }, 'Start');
    this.formError = h('div', { class: 'field-error', role: 'alert', 'data-testid': 'form-error', hidden: true });
    const error = (id: string): HTMLElement => {
      const el = h('div', { class: 'field-error', id: `${id}-error`, role: 'alert', 'data-testid': `error-${id}`, hidden: true });
      return el;
    };
    const commError = error('filter-comm');
    const cgroupError = error('filter-cgroup');
    this.extraErrors.set('comm', commError);
    this.extraErrors.set('cgroup', cgroupError);
    this.extraErrors.set('sources', this.sourcesError);

    this.sessionGrid = h('div', { class: 'option-grid' }, ...SESSION_OPTIONS.map((d) => this.optionField(null, d)));
    this.element = h('form', { class: 'start-form', 'data-testid': 'start-form', novalidate: true, 'aria-label': 'Start a session' },
      h('h2', {}, 'New session'),
      h('fieldset', {}, h('legend', {}, 'What to observe'), this.presetsBox, this.sourcesBox, this.sourcesError),
      h('fieldset', {}, h('legend', {}, 'Which processes'),
        h('p', { class: 'muted' }, 'Every part given must match. Nothing chosen: every process.'),
        this.picker.element,
        h('div', { class: 'filter-fields' },
          h('label', { for: 'filter-comm' }, 'Process name starts with'), this.comm,
          h('small', { id: 'filter-comm-help', class: 'help' }, 'The kernel’s process name (comm, at most 15 characters).'), commError,
          h('label', { for: 'filter-cgroup' }, 'In cgroup'), this.cgroup,
          h('small', { id: 'filter-cgroup-help', class: 'help' }, 'A cgroup v2 path and its descendants.'), cgroupError),
        h('p', {}, 'Observing: ', this.summary),
        this.kernelNote),
      h('fieldset', {}, h('legend', {}, 'Session'),
        h('label', { class: 'check' }, this.detached, ' Keep running in the background (detached): it does not stop when this page closes'),
        h('details', { class: 'advanced' }, h('summary', { 'data-testid': 'advanced' }, 'Advanced'),
          this.sessionGrid)),
      h('div', { class: 'form-actions' }, this.submit, this.formError),
    );
    this.element.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.start();
    });
    this.renderSummary();
  }

  setCapabilities(caps: Capabilities): void {
    this.sources = caps.sources.filter((s) => !s.implicit);
    for (const key of [...this.fields.keys()]) if (key.startsWith('source:')) this.fields.delete(key);
    this.sourceBoxes.clear();
    const preferred = this.sources.find((s) => s.id === 'cpu' && s.available) ?? this.sources.find((s) => s.available);
    this.sourcesBox.replaceChildren(...this.sources.map((s) => this.sourceBlock(s, s === preferred)));
    if (this.sources.length === 0) this.sourcesBox.replaceChildren(h('p', { class: 'muted' }, 'The agent offers no source.'));
    // The session settings take the agent's ranges and defaults.
    this.sessionDecls = sessionOptions(caps.session);
    for (const key of [...this.fields.keys()]) if (key.startsWith('session:')) this.fields.delete(key);
    this.sessionGrid.replaceChildren(...this.sessionDecls.map((d) => this.optionField(null, d)));
    this.renderPresets();
  }

  /** Chooses exactly the sources of a preset (those the agent can run). */
  applyPreset(id: string): void {
    const preset = this.presets.find((p) => p.id === id);
    if (!preset) return;
    for (const [sourceId, box] of this.sourceBoxes) {
      box.checked = !box.disabled && preset.sources.includes(sourceId);
      const grid = box.closest('.source')?.querySelector('.option-grid');
      if (grid instanceof HTMLElement) grid.hidden = !box.checked;
    }
    this.clearError('sources');
    this.syncPresets();
  }

  private renderPresets(): void {
    this.presets = availablePresets(this.sources);
    this.presetButtons.clear();
    this.presetsBox.hidden = this.presets.length < 2;
    this.presetsBox.replaceChildren(h('span', { class: 'muted' }, 'Presets:'), ...this.presets.map((p) => {
      const b = h('button', {
        type: 'button', class: 'preset', 'data-testid': `preset-${p.id}`, 'aria-pressed': 'false', title: p.description,
        onclick: () => this.applyPreset(p.id),
      }, p.title);
      this.presetButtons.set(p.id, b);
      return b;
    }));
    this.syncPresets();
  }

  /** The preset that matches the chosen sources shows pressed. */
  private syncPresets(): void {
    const chosen = [...this.sourceBoxes].filter(([, b]) => b.checked).map(([id]) => id);
    const match = presetOf(chosen, this.presets);
    for (const [id, b] of this.presetButtons) b.setAttribute('aria-pressed', String(match?.id === id));
  }

  showCapabilitiesError(message: string): void {
    this.sourcesBox.replaceChildren(h('p', { class: 'field-error', role: 'alert' }, `Cannot read the agent’s sources: ${message}`));
  }

  setOpen(open: boolean): void {
    this.picker.setOpen(open);
  }

  /** The processes the picker knows (for hints about kernel threads). */
  knownProcesses(): readonly ProcessInfo[] {
    return this.picker.known;
  }

  private sourceBlock(s: SourceDescriptor, checked: boolean): HTMLElement {
    const box = h('input', {
      type: 'checkbox', id: `source-${s.id}`, 'data-testid': `source-${s.id}`, disabled: !s.available, checked: checked && s.available,
      'aria-describedby': `source-${s.id}-desc`,
      onchange: () => {
        options.hidden = !box.checked;
        this.clearError('sources');
        this.syncPresets();
      },
    });
    box.checked = checked && s.available;
    this.sourceBoxes.set(s.id, box);
    const options = h('div', { class: 'option-grid', hidden: !box.checked }, ...s.options.map((d) => this.optionField(s.id, d)));
    return h('div', { class: `source${s.available ? '' : ' unavailable'}`, 'data-source': s.id },
      h('label', { class: 'check source-title', for: `source-${s.id}` }, box, ' ', h('strong', {}, s.title), h('span', { class: 'muted' }, ` ${s.id} · ${s.layer}`)),
      h('p', { class: 'help', id: `source-${s.id}-desc` }, s.description,
        s.available ? null : h('span', { class: 'field-error' }, ` Not available here: ${s.reason ?? 'unknown reason'}${s.detail ? ` (${s.detail})` : ''}`)),
      options);
  }

  private optionField(sourceId: string | null, d: OptionDescriptor): HTMLElement {
    const key = fieldKey(sourceId, d.name);
    const id = sourceId === null ? `session-${d.name}` : `option-${sourceId}-${d.name}`;
    const errorEl = h('div', { class: 'field-error', id: `${id}-error`, role: 'alert', 'data-testid': `error-${id}`, hidden: true });
    const help = h('small', { class: 'help', id: `${id}-help` }, describeOption(d));
    const describedBy = `${id}-help ${id}-error`;
    const validate = (): void => {
      const field = this.fields.get(key)!;
      const checked = checkOption(d, field.read());
      this.setError(key, checked.ok ? null : checked.error);
    };
    let field: Field;
    const label = (forId: string | null): HTMLElement => h(forId ? 'label' : 'span', forId ? { for: forId, class: 'option-name' } : { class: 'option-name' },
      d.name, d.unit ? h('span', { class: 'muted' }, ` (${d.unit})`) : null);
    switch (d.kind) {
      case 'integer':
      case 'number': {
        const optional = d.default === null;
        const input = h('input', {
          type: 'text', inputmode: d.kind === 'integer' ? 'numeric' : 'decimal', id, 'data-testid': id,
          value: optional ? '' : String(d.default), placeholder: optional ? 'no limit' : String(d.default),
          'aria-describedby': describedBy, 'data-kind': d.kind,
          'data-min': d.min ?? null, 'data-max': d.max ?? null,
          oninput: () => validate(), onblur: () => validate(),
        });
        field = { key, decl: d, read: () => input.value, error: errorEl, focus: () => input.focus(), control: input };
        this.fields.set(key, field);
        return h('div', { class: 'option', 'data-option': d.name }, label(id), input, help, errorEl);
      }
      case 'boolean': {
        const input = h('input', { type: 'checkbox', id, 'data-testid': id, 'aria-describedby': describedBy });
        input.checked = d.default;
        field = { key, decl: d, read: () => input.checked, error: errorEl, focus: () => input.focus(), control: input };
        this.fields.set(key, field);
        return h('div', { class: 'option', 'data-option': d.name }, h('label', { class: 'check', for: id }, input, ` ${d.name}`), help, errorEl);
      }
      case 'names': {
        const input = h('input', {
          type: 'text', id, 'data-testid': id, value: '', placeholder: `all (e.g. ${d.example})`,
          'aria-describedby': describedBy, 'data-kind': d.kind, oninput: () => validate(), onblur: () => validate(),
        });
        field = { key, decl: d, read: () => input.value, error: errorEl, focus: () => input.focus(), control: input };
        this.fields.set(key, field);
        return h('div', { class: 'option', 'data-option': d.name }, label(id), input, help, errorEl);
      }
      case 'choices': {
        const boxes = d.choices.map((c) => {
          const box = h('input', { type: 'checkbox', id: `${id}-${c}`, 'data-testid': `${id}-${c}`, value: c, onchange: () => validate() });
          box.checked = d.default.includes(c);
          return box;
        });
        field = { key, decl: d, read: () => boxes.filter((b) => b.checked).map((b) => b.value), error: errorEl, focus: () => boxes[0]?.focus(), control: boxes[0]! };
        this.fields.set(key, field);
        return h('fieldset', { class: 'option choices', 'data-option': d.name, 'aria-describedby': describedBy },
          h('legend', {}, label(null)),
          ...boxes.map((b) => h('label', { class: 'check', for: b.id }, b, ` ${b.value}`)),
          help, errorEl);
      }
    }
  }

  private values(): StartFormValues {
    const options: Record<string, Record<string, RawValue>> = {};
    const session: Record<string, string> = {};
    for (const [key, field] of this.fields) {
      if (key.startsWith('session:')) session[field.decl.name] = String(field.read());
      else {
        const sourceId = key.split(':')[1]!;
        (options[sourceId] ??= {})[field.decl.name] = field.read();
      }
    }
    return {
      sources: [...this.sourceBoxes].filter(([, b]) => b.checked).map(([id]) => id),
      options,
      pids: this.picker.pids,
      comm: this.comm.value,
      cgroup: this.cgroup.value,
      detached: this.detached.checked,
      session,
    };
  }

  private async start(): Promise<void> {
    if (this.busy) return;
    this.clearErrors();
    const built = buildStartRequest(this.sources, this.values(), this.sessionDecls);
    if ('errors' in built) {
      this.showErrors(built.errors);
      return;
    }
    this.busy = true;
    this.submit.disabled = true;
    setText(this.submit, 'Starting…');
    try {
      await this.onStart(built.request);
    } catch (e) {
      const detail = e instanceof ApiError ? e.detail : undefined;
      const key = fieldOfProblem(detail);
      if (key && (this.fields.has(key))) this.showErrors({ [key]: detail ?? String(e) });
      else {
        this.formError.hidden = false;
        setText(this.formError, e instanceof ApiError ? `${e.title}${e.detail ? `: ${e.detail}` : ''}` : e instanceof Error ? e.message : String(e));
      }
    } finally {
      this.busy = false;
      this.submit.disabled = false;
      setText(this.submit, 'Start');
    }
  }

  private showErrors(errors: FieldErrors): void {
    let first: (() => void) | null = null;
    for (const [key, message] of Object.entries(errors)) {
      this.setError(key, message);
      const field = this.fields.get(key);
      if (field) {
        // Advanced settings open when one of them is wrong.
        field.control.closest('details')?.setAttribute('open', '');
        const source = key.startsWith('source:') ? this.sourceBoxes.get(key.split(':')[1]!) : null;
        if (source && field.control.closest('.option-grid')) (field.control.closest('.option-grid') as HTMLElement).hidden = !source.checked;
        first ??= field.focus;
      } else if (key === 'comm') first ??= () => this.comm.focus();
      else if (key === 'cgroup') first ??= () => this.cgroup.focus();
    }
    first?.();
  }

  private setError(key: string, message: string | null): void {
    const field = this.fields.get(key);
    const el = field?.error ?? this.extraErrors.get(key);
    if (!el) return;
    el.hidden = message === null;
    setText(el, message ?? '');
    const control = field?.control ?? (key === 'comm' ? this.comm : key === 'cgroup' ? this.cgroup : null);
    control?.setAttribute('aria-invalid', String(message !== null));
  }

  private clearError(key: string): void {
    this.setError(key, null);
  }

  private clearErrors(): void {
    for (const key of this.fields.keys()) this.setError(key, null);
    for (const key of this.extraErrors.keys()) this.setError(key, null);
    this.formError.hidden = true;
  }

  private renderSummary(): void {
    const parts: string[] = [];
    const pids = this.picker.pids;
    if (pids.length > 0) {
      parts.push(pids.map((pid) => {
        const p = this.picker.known.find((x) => x.pid === pid);
        return p ? `${p.name} (pid ${pid})` : `pid ${pid}`;
      }).join(', '));
    }
    if (this.comm.value.trim()) parts.push(`name starts with “${this.comm.value.trim()}”`);
    if (this.cgroup.value.trim()) parts.push(`in cgroup ${this.cgroup.value.trim()}`);
    setText(this.summary, parts.length ? parts.join(' and ') : 'all processes');
    const kernel = pids.map((pid) => this.picker.known.find((x) => x.pid === pid)).filter((p): p is ProcessInfo => !!p && isKernelThread(p));
    this.kernelNote.hidden = kernel.length === 0;
    setText(this.kernelNote, kernel.length === 0 ? '' : `${kernel.map((p) => `${p.name} (pid ${p.pid})`).join(', ')} ${kernel.length > 1 ? 'are kernel threads' : 'is a kernel thread'}: `
      + 'no user stacks — flame graphs show only kernel frames, and only while it runs; the scheduler sources still see it sleep and wake.');
  }
}
