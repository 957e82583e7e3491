// Communication of the selected task: the codecs it negotiates in each direction, and one round's
// bytes per client (up: what its socket carried; down: the model bytes served to it), as the
// round record holds them. The bytes-per-round chart is in RoundCharts.

import { useEffect, useState } from 'react';
import type { CodecSpec } from '@flotilla/protocol';
import { api, type RoundDetail, type RoundSummary, type TaskView } from './api.ts';
import { fmtBytes } from './format.ts';

/** A codec as one short phrase, e.g. "top-k 1 % + error feedback". */
export function describeCodec(spec: CodecSpec | undefined): string {
  if (!spec) return 'float32';
  switch (spec.codec) {
    case 'float32':
    case 'float16':
      return spec.codec;
    case 'int8':
      return `int8 per ${spec.granularity}${spec.stochastic ? ', stochastic' : ''}`;
    case 'topk':
      return `top-k ${+(spec.fraction * 100).toPrecision(3)} %${spec.errorFeedback ? ' + error feedback' : ''}`;
    case 'qsgd':
      return `QSGD ${spec.levels} levels`;
    default: {
      const never: never = spec;
      return String(never);
    }
  }
}

export function RoundBytes({ task, rounds }: { task: TaskView; rounds: RoundSummary[] }) {
  const ended = rounds.map((r) => r.round);
  const [picked, setPicked] = useState<number | null>(null);
  const round = picked !== null && ended.includes(picked) ? picked : ended.at(-1) ?? null;
  const [detail, setDetail] = useState<RoundDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (round === null) return;
    let live = true;
    api<RoundDetail>(null, `/api/tasks/${task.id}/rounds/${round}`).then(
      (d) => { if (live) { setDetail(d); setError(null); } },
      (err: unknown) => { if (live) setError(err instanceof Error ? err.message : String(err)); },
    );
    return () => { live = false; };
  }, [task.id, round]);
  const c = task.config.communication;

  return (
    <section className="panel" data-testid="dashboard.bytes">
      <h2>Communication</h2>
      <p data-testid="dashboard.bytes.codecs">
        uplink {describeCodec(c?.uplink)}
        {c?.slowLinkUplink ? ` (${describeCodec(c.slowLinkUplink)} below ${c.slowLinkKbps} kbit/s)` : ''}
        {' · '}downlink {describeCodec(c?.downlink)}{c?.downlinkDelta ? ', delta against the held version' : ''}
      </p>
      {round === null ? <p className="muted">No round has ended yet.</p> : (
        <>
          <label>round{' '}
            <select value={round} onChange={(e) => setPicked(Number(e.target.value))} data-testid="dashboard.bytes.round">
              {ended.map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
          </label>
          {error ? <p className="error" role="alert">{error}</p> : null}
          {detail && detail.round === round ? (
            <table data-testid="dashboard.bytes.table">
              <thead><tr><th>client</th><th>outcome</th><th>bytes up</th><th>bytes down</th></tr></thead>
              <tbody>
                {detail.clients.map((cl) => (
                  <tr key={cl.clientId} data-testid="dashboard.bytes.client">
                    <td>{cl.clientId.slice(0, 8)}</td><td>{cl.outcome}</td>
                    <td data-testid="dashboard.bytes.up">{fmtBytes(cl.bytesUp ?? 0)}</td><td data-testid="dashboard.bytes.down">{fmtBytes(cl.bytesDown ?? 0)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr data-testid="dashboard.bytes.total"><td>round {detail.round}</td><td>{detail.reported} reported</td><td>{fmtBytes(detail.bytesUp)}</td><td>{fmtBytes(detail.bytesDown)}</td></tr>
              </tfoot>
            </table>
          ) : null}
        </>
      )}
    </section>
  );
}
