// Connected and past clients, sortable by any column (click a header; again to reverse).

import { useEffect, useMemo, useState } from 'react';
import type { ClientView } from './api.ts';
import { fmtAgo } from './format.ts';

type Key = 'id' | 'kind' | 'backend' | 'speed' | 'state' | 'edge' | 'roundsJoined' | 'dropouts' | 'lastSeen';
const COLUMNS: [Key, string][] = [
  ['id', 'id'], ['kind', 'kind'], ['backend', 'backend'], ['speed', 'device speed'], ['state', 'state'], ['edge', 'edge'],
  ['roundsJoined', 'rounds joined'], ['dropouts', 'dropouts'], ['lastSeen', 'last seen'],
];

const KIND: Record<string, string> = { browser: 'tab', node: 'Node' };

function value(c: ClientView, key: Key): string | number {
  switch (key) {
    case 'speed': return c.examplesPerSec ?? -1;
    case 'state': return c.connected ? 'connected' : 'offline';
    case 'backend': return c.backend ?? '';
    case 'edge': return c.edge ?? '';
    default: return c[key];
  }
}

export function ClientsTable({ clients }: { clients: ClientView[] }) {
  const [sort, setSort] = useState<{ key: Key; asc: boolean }>({ key: 'lastSeen', asc: false });
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(timer);
  }, []);
  const rows = useMemo(() => [...clients].sort((a, b) => {
    const va = value(a, sort.key);
    const vb = value(b, sort.key);
    const cmp = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return sort.asc ? cmp : -cmp;
  }), [clients, sort]);
  const connected = clients.filter((c) => c.connected).length;
  return (
    <section className="panel" data-testid="dashboard.clients">
      <h2>Clients <span className="muted" data-testid="dashboard.clients.count">{connected} connected, {clients.length} seen</span></h2>
      <div className="scroll">
        <table data-testid="dashboard.clients.table">
          <thead>
            <tr>
              {COLUMNS.map(([key, label]) => (
                <th key={key} aria-sort={sort.key === key ? (sort.asc ? 'ascending' : 'descending') : 'none'}>
                  <button type="button" onClick={() => setSort((s) => ({ key, asc: s.key === key ? !s.asc : true }))} data-testid={`dashboard.clients.sort.${key}`}>
                    {label}{sort.key === key ? (sort.asc ? ' ▲' : ' ▼') : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.id} data-testid="dashboard.clients.row" data-client-id={c.id}>
                <td title={c.id}><code>{c.id.slice(0, 8)}</code></td>
                <td>{KIND[c.kind] ?? c.kind}</td>
                <td>{c.backend ?? '—'}</td>
                <td>{c.examplesPerSec === null ? '—' : `${Math.round(c.examplesPerSec)} ex/s`}</td>
                <td className={c.connected ? 'ok' : 'muted'}>{c.connected ? 'connected' : 'offline'}</td>
                {/* On the coordinator itself (or offline) a client has no edge. */}
                <td data-testid="dashboard.clients.edge">{c.edge ?? '—'}</td>
                <td data-testid="dashboard.clients.roundsJoined">{c.roundsJoined}</td>
                <td>{c.dropouts}</td>
                <td>{fmtAgo(c.lastSeen, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
