import type { AdviceReport, DryRun, Journal, TuningStatus } from './tuning-types';
import type { Capabilities, ProblemDetails, ProcessFilterRequest, ProcessInfo, Session, StartSessionRequest } from './types';

/** An API call that failed: carries the problem details the agent sent (title + detail). */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly log: string | undefined;

  constructor(status: number, title: string, detail: string | undefined, log?: string) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.log = log;
  }
}

/** Query parameters of a model request (`?t0=…&t1=…`); undefined values are left out. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

/** A model's answer and the cursor the client holds after it (the `X-Model-Cursor` header). */
export interface ModelResponse<T = unknown> {
  body: T;
  cursor: string | null;
}

/**
 * The agent's HTTP API. The token (when the page was opened with `?token=`) goes out as a bearer
 * header on fetches and as a query parameter on EventSource URLs, which cannot carry headers.
 */
export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly token: string | null,
  ) {}

  static fromLocation(location: Location): ApiClient {
    const token = new URLSearchParams(location.search).get('token');
    return new ApiClient(location.origin, token || null);
  }

  /** A URL for EventSource, with the token as a query parameter. */
  streamUrl(path: string): string {
    const url = new URL(this.base + path);
    if (this.token) url.searchParams.set('token', this.token);
    return url.href;
  }

  processes(): Promise<ProcessInfo[]> {
    return this.request<ProcessInfo[]>('GET', '/api/processes');
  }

  sessions(): Promise<Session[]> {
    return this.request<Session[]>('GET', '/api/sessions');
  }

  session(id: string): Promise<Session> {
    return this.request<Session>('GET', `/api/sessions/${encodeURIComponent(id)}`);
  }

  startSession(body: StartSessionRequest): Promise<Session> {
    return this.request<Session>('POST', '/api/sessions', body);
  }

  stopSession(id: string): Promise<void> {
    return this.request<void>('DELETE', `/api/sessions/${encodeURIComponent(id)}`);
  }

  pause(id: string): Promise<Session> {
    return this.request<Session>('POST', `/api/sessions/${encodeURIComponent(id)}/pause`);
  }

  resume(id: string): Promise<Session> {
    return this.request<Session>('POST', `/api/sessions/${encodeURIComponent(id)}/resume`);
  }

  reset(id: string): Promise<Session> {
    return this.request<Session>('POST', `/api/sessions/${encodeURIComponent(id)}/reset`);
  }

  setFilter(id: string, filter: ProcessFilterRequest): Promise<Session> {
    return this.request<Session>('PUT', `/api/sessions/${encodeURIComponent(id)}/filter`, filter);
  }

  tuningStatus(): Promise<TuningStatus> {
    return this.request<TuningStatus>('GET', '/api/tuning');
  }

  advise(body: { pid?: number; durationSeconds: number }): Promise<AdviceReport> {
    return this.request<AdviceReport>('POST', '/api/tuning/advise', body);
  }

  lastFindings(): Promise<AdviceReport> {
    return this.request<AdviceReport>('GET', '/api/tuning/findings');
  }

  dryRun(findingId: string, action: string): Promise<DryRun> {
    return this.request<DryRun>('POST', `/api/tuning/findings/${encodeURIComponent(findingId)}/apply`, { action, dryRun: true });
  }

  apply(findingId: string, action: string): Promise<Journal> {
    return this.request<Journal>('POST', `/api/tuning/findings/${encodeURIComponent(findingId)}/apply`, { action });
  }

  tuningActions(): Promise<Journal> {
    return this.request<Journal>('GET', '/api/tuning/actions');
  }

  rollback(id: string): Promise<Journal> {
    return this.request<Journal>('POST', `/api/tuning/actions/${encodeURIComponent(id)}/rollback`);
  }

  capabilities(): Promise<Capabilities> {
    return this.request<Capabilities>('GET', '/api/capabilities');
  }

  /**
   * One model of a session: its live view (whole, or since `cursor`), or with parameters a query
   * such as a time range. Only the live-model binding calls this: panels go through it.
   */
  async model<T>(id: string, model: string, params: QueryParams = {}, signal?: AbortSignal): Promise<ModelResponse<T>> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) query.set(key, String(value));
    }
    const qs = query.toString();
    const path = `/api/sessions/${encodeURIComponent(id)}/models/${encodeURIComponent(model)}${qs ? `?${qs}` : ''}`;
    const response = await this.send('GET', path, undefined, signal);
    const text = await response.text();
    return { body: (text ? JSON.parse(text) : undefined) as T, cursor: response.headers.get('X-Model-Cursor') };
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.token) headers['Authorization'] = `Bearer ${this.token}`;
    const init: RequestInit = { method, headers };
    if (signal) init.signal = signal;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }

    let response: Response;
    try {
      response = await fetch(this.base + path, init);
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new ApiError(0, 'The agent cannot be reached', e instanceof Error ? e.message : String(e));
    }

    if (!response.ok) throw await toApiError(response);
    return response;
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  let problem: ProblemDetails = {};
  const text = await response.text().catch(() => '');
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') problem = parsed as ProblemDetails;
  } catch {
    // not JSON: the body (if any) becomes the detail
    if (text) problem = { detail: text.slice(0, 500) };
  }
  const title = problem.title || `${response.status} ${response.statusText || 'error'}`.trim();
  return new ApiError(response.status, title, problem.detail, problem.log ?? undefined);
}
