// The coordinator's REST API as the dashboard sees it: typed views and a fetch that authenticates
// with the session cookie (or a bearer token, for scripts) and turns coded error bodies into ApiError.

// The views are the coordinator's own schemas (packages/protocol views.ts), never mirrored here.
export type { ClientView, RoundPhase, TaskState, TaskView } from '@flotilla/protocol';
export type { RoundSummaryView as RoundSummary, CurrentRoundView as CurrentRound, RoundDetailView as RoundDetail } from '@flotilla/protocol';
export type { FederatedSummary, CurrentEvaluationView as CurrentEvaluation } from '@flotilla/protocol';
export type { CurrentBufferView as CurrentBuffer } from '@flotilla/protocol';

/** A refused or failed call, with the coordinator's stable error code (FLT_…). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Sent on every call: with the session cookie, a state-changing call needs it (a cross-site form cannot set it). */
const CSRF = { 'x-flotilla-csrf': '1' };

/**
 * Calls the operator API; `token` null means the dashboard's session cookie, which same-origin
 * fetches send by themselves.
 * @example const { tasks } = await api<{ tasks: TaskView[] }>(null, '/api/tasks');
 */
export async function api<T>(token: string | null, pathname: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(pathname, {
    method: init.method ?? 'GET',
    credentials: 'same-origin',
    headers: {
      ...CSRF,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { message: text };
  }
  if (!response.ok) {
    const coded = (body ?? {}) as { code?: string; message?: string };
    throw new ApiError(response.status, coded.code ?? `HTTP_${response.status}`, coded.message ?? response.statusText);
  }
  return body as T;
}

/** Fetches a file as the operator (session cookie, or `token`) and hands it to the browser as a download. */
export async function downloadWithToken(token: string | null, pathname: string, filename: string): Promise<void> {
  const response = await fetch(pathname, { credentials: 'same-origin', headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new ApiError(response.status, `HTTP_${response.status}`, `download of ${filename} failed`);
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
