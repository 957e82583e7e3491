// The operator token in the browser: taken from the URL fragment the coordinator prints
// (#token=…, never sent to the server), kept in localStorage, and stripped from the address bar.

const KEY = 'flotilla.operatorToken';

/** Moves a token from the URL fragment into storage; returns the token in force, if any. */
export function adoptTokenFromFragment(location: Location = window.location, history: History = window.history): string | null {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromFragment = params.get('token');
  if (fromFragment) {
    saveToken(fromFragment);
    params.delete('token');
    const rest = params.toString();
    // replaceState: the token must not linger in the address bar, the history or a bookmark.
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  }
  return loadToken();
}

export function loadToken(): string | null {
  try {
    return sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
  localStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}
