// The event log: joins, leaves, dropouts, abandoned rounds, errors with their codes, task states.
// Newest first; the stream replays history, so it survives a reload or a coordinator restart.

import type { LogEntry } from './store.ts';
import { fmtTime } from './format.ts';

export function EventLog({ entries }: { entries: LogEntry[] }) {
  const shown = entries.slice(-200).reverse();
  return (
    <section className="panel" data-testid="dashboard.log">
      <h2>Events</h2>
      <ol className="log">
        {shown.map((e) => (
          <li key={e.key} className={`log-${e.type.replace('.', '-')}`} data-testid="dashboard.log.entry" data-type={e.type}>
            <time>{fmtTime(e.at)}</time> <span>{e.text}</span>
            {e.code ? <code className="code" data-testid="dashboard.log.code">{e.code}</code> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
