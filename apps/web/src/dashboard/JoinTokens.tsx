// Issued join tokens: create one per client or cohort (the token is shown once, with the join URL
// and the fleet flag that carry it), see which are in use, revoke one (its clients are disconnected).

import { useCallback, useEffect, useState } from 'react';
import type { IssuedJoinToken, JoinTokenView } from '@flotilla/protocol';
import { ApiError, api } from './api.ts';
import { fmtAgo } from './format.ts';

const POLL_MS = 3000;

export function JoinTokens() {
  const [tokens, setTokens] = useState<JoinTokenView[]>([]);
  const [label, setLabel] = useState('');
  const [issued, setIssued] = useState<IssuedJoinToken | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    setTokens((await api<{ joinTokens: JoinTokenView[] }>(null, '/api/join-tokens')).joinTokens);
  }, []);
  const report = (err: unknown) => setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));

  useEffect(() => {
    let stopped = false;
    const poll = () => void load().catch(() => {
      // The task views report a refused session; a transient failure is retried on the next tick.
    });
    poll();
    const timer = setInterval(() => !stopped && poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [load]);

  const create = async () => {
    setError(null);
    try {
      setIssued(await api<IssuedJoinToken>(null, '/api/join-tokens', { method: 'POST', body: { label: label.trim() } }));
      setLabel('');
      await load();
    } catch (err) {
      report(err);
    }
  };
  const revoke = async (id: string) => {
    setError(null);
    try {
      await api(null, `/api/join-tokens/${id}/revoke`, { method: 'POST' });
      if (issued?.id === id) setIssued(null);
      await load();
    } catch (err) {
      report(err);
    }
  };

  const now = Date.now();
  return (
    <section className="panel" data-testid="dashboard.joinTokens">
      <h2>Join tokens</h2>
      <p className="muted">
        Give each client or cohort its own token; revoking one disconnects the clients that joined with it. Once a
        token is issued, clients need one (or the coordinator's <code>--join-token</code>) to join.
      </p>
      <form onSubmit={(e) => { e.preventDefault(); if (label.trim()) void create(); }}>
        <input placeholder="label (client or cohort)" maxLength={100} value={label} onChange={(e) => setLabel(e.target.value)} data-testid="dashboard.joinTokens.label" />
        <button type="submit" disabled={!label.trim()} data-testid="dashboard.joinTokens.create">Issue token</button>
      </form>
      {error ? <p className="error" role="alert" data-testid="dashboard.joinTokens.error">{error}</p> : null}
      {issued ? (
        <div data-testid="dashboard.joinTokens.issued">
          <p>Token for <strong>{issued.label}</strong>, shown this once:</p>
          <p><code data-testid="dashboard.joinTokens.token">{issued.token}</code></p>
          <p>Join page: <code data-testid="dashboard.joinTokens.joinUrl">{`${location.origin}/?joinToken=${encodeURIComponent(issued.token)}`}</code></p>
          <p>Fleet: <code data-testid="dashboard.joinTokens.fleetFlag">{`--join-token=${issued.token}`}</code></p>
          <button type="button" className="link" onClick={() => setIssued(null)} data-testid="dashboard.joinTokens.dismiss">done</button>
        </div>
      ) : null}
      {tokens.length > 0 ? (
        <table data-testid="dashboard.joinTokens.table">
          <thead>
            <tr><th>label</th><th>task</th><th>created</th><th>last used</th><th>connected</th><th>state</th><th /></tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-testid="dashboard.joinTokens.row" data-token-id={t.id} data-revoked={t.revokedAt !== null}>
                <td data-testid="dashboard.joinTokens.rowLabel">{t.label}</td>
                <td>{t.taskId ? <code>{t.taskId.slice(0, 8)}</code> : 'any'}</td>
                <td>{fmtAgo(t.createdAt, now)}</td>
                <td>{t.lastUsedAt === null ? 'never' : fmtAgo(t.lastUsedAt, now)}</td>
                <td data-testid="dashboard.joinTokens.connected">{t.connectedClients}</td>
                <td data-testid="dashboard.joinTokens.state">{t.revokedAt === null ? 'active' : 'revoked'}</td>
                <td>
                  {t.revokedAt === null
                    ? <button type="button" onClick={() => void revoke(t.id)} data-testid="dashboard.joinTokens.revoke">Revoke</button>
                    : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
