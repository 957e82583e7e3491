// Shown when the dashboard has no operator token or the coordinator refused it: says why, and
// takes a token by hand (the printed URL's #token=… does this by itself).

import { useState } from 'react';
import type { ApiError } from './api.ts';

export function TokenGate({ error, onToken }: { error: ApiError | null; onToken(token: string): void }) {
  const [value, setValue] = useState('');
  const message = error
    ? `Refused (${error.code}): ${error.message}.`
    : 'This dashboard needs the operator token.';
  return (
    <section className="gate" data-testid="dashboard.auth">
      <h2>Operator access</h2>
      <p className="error" role="alert" data-testid="dashboard.auth.error">{message}</p>
      <p>
        Open the dashboard URL the coordinator printed when it started (it carries the token after <code>#token=</code>),
        or paste the token from <code>--operator-token</code>, <code>FLOTILLA_OPERATOR_TOKEN</code> or the
        <code> operator-token</code> file in the data directory.
      </p>
      <form onSubmit={(e) => { e.preventDefault(); if (value.trim()) onToken(value.trim()); }}>
        <input type="password" autoComplete="off" placeholder="operator token" value={value} onChange={(e) => setValue(e.target.value)} data-testid="dashboard.auth.token" />
        <button type="submit" data-testid="dashboard.auth.submit">Use token</button>
      </form>
    </section>
  );
}
