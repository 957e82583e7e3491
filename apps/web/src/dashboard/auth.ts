// Signing the dashboard in. The operator token arrives in the URL fragment the coordinator prints
// (#token=…, never sent to the server) or is typed into the gate; it is traded at once for an
// HttpOnly session cookie (POST /api/session) and then forgotten. Nothing secret is kept where a
// script can read it: the join page shares this origin, and anything in localStorage,
// sessionStorage or a readable cookie would be one injected script away from leaking.

import { ApiError, api } from './api.ts';

/** Takes the token out of the URL fragment (and out of the address bar and history), if there is one. */
export function takeTokenFromFragment(location: Location = window.location, history: History = window.history): string | null {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = params.get('token');
  if (!token) return null;
  params.delete('token');
  const rest = params.toString();
  // replaceState: the token must not linger in the address bar, the history or a bookmark.
  history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  return token;
}

/** Trades the operator token for the session cookie; throws the coordinator's ApiError when refused. */
export async function signIn(token: string): Promise<void> {
  await api(null, '/api/session', { method: 'POST', body: { token } });
}

export async function signOut(): Promise<void> {
  await api(null, '/api/session', { method: 'DELETE' }).catch((err: unknown) => {
    if (!(err instanceof ApiError)) throw err;
  });
}

// Tokens kept by earlier versions of the dashboard are removed on sight.
export function forgetStoredTokens(): void {
  try {
    sessionStorage.removeItem('flotilla.operatorToken');
    localStorage.removeItem('flotilla.operatorToken');
  } catch {
    // Storage may be disabled; then there is nothing to remove either.
  }
}
