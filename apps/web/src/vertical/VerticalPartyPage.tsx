// The vertical party page: choose job, role, data (the job's simulated table or a CSV file) and token
// (or arrive with them in the URL fragment), join, and watch alignment, steps and per-epoch results.
// Data stays in this tab: a picked file is read and parsed in the party worker only.

import { useEffect, useRef, useState } from 'react';
import type { VerticalReport, VerticalRole } from '@flotilla/vertical';
import type { PartyStatus } from './runParty.ts';
import type { PartyWorkerMessage } from './partyWorkerMessages.ts';
import type { TableSummary } from './ownTable.ts';
import type { PaillierUse } from './paillierPool.ts';

/** The roles of a job with one host, shown until the job's own roles are known. */
const DEFAULT_ROLES: VerticalRole[] = ['guest', 'host', 'arbiter'];

function roleWhat(role: VerticalRole): string {
  if (role === 'guest') return 'holds the labels (and some features)';
  if (role === 'arbiter') return 'holds the Paillier key, decrypts only masked values';
  return 'holds other features of the same people';
}

/** The job's role names (guest, host, host-2 …, arbiter); the defaults while unknown. */
function useJobRoles(job: string): VerticalRole[] {
  const [roles, setRoles] = useState<VerticalRole[]>(DEFAULT_ROLES);
  useEffect(() => {
    const id = job.trim();
    if (!id) return;
    let stale = false;
    fetch(`/vertical/jobs/${encodeURIComponent(id)}/roles`)
      .then((r) => (r.ok ? (r.json() as Promise<{ roles: VerticalRole[] }>) : null))
      .then((body) => { if (!stale && body) setRoles(body.roles); })
      .catch(() => undefined);
    return () => {
      stale = true;
    };
  }, [job]);
  return roles;
}

function fragment(): URLSearchParams {
  return new URLSearchParams(window.location.hash.replace(/^#/, ''));
}

export function VerticalPartyPage() {
  const initial = fragment();
  const [job, setJob] = useState(initial.get('job') ?? '');
  const [role, setRole] = useState<VerticalRole>((initial.get('role') as VerticalRole | null) ?? 'guest');
  const [token, setToken] = useState(initial.get('token') ?? '');
  const [status, setStatus] = useState<PartyStatus | null>(null);
  const [reports, setReports] = useState<VerticalReport[]>([]);
  const [backend, setBackend] = useState<string | null>(null);
  const [source, setSource] = useState<'simulated' | 'csv'>('simulated');
  const [file, setFile] = useState<File | null>(null);
  const [idColumn, setIdColumn] = useState('id');
  const [labelColumn, setLabelColumn] = useState('label');
  const [table, setTable] = useState<TableSummary | null>(null);
  const [paillier, setPaillier] = useState<PaillierUse | null>(null);
  const ownData = source === 'csv' && role !== 'arbiter';
  const worker = useRef<Worker | null>(null);
  const roles = useJobRoles(job);
  const running = status !== null && status.phase !== 'done' && status.phase !== 'failed';
  const join = () => {
    // The token must not stay in the address bar or the history.
    window.history.replaceState(null, '', window.location.pathname);
    setReports([]);
    setBackend(null);
    setTable(null);
    setPaillier(null);
    setStatus({ phase: 'joining' });
    // The party runs in a worker: Paillier, PSI and tfjs would otherwise freeze the page.
    worker.current?.terminate();
    const w = new Worker(new URL('./party.worker.ts', import.meta.url), { type: 'module', name: 'flotilla-vertical-party' });
    worker.current = w;
    w.onmessage = (e: MessageEvent<PartyWorkerMessage>) => {
      const m = e.data;
      if (m.type === 'status') setStatus(m.status);
      else if (m.type === 'report') setReports((rs) => [...rs, m.report]);
      else if (m.type === 'table') setTable(m.table);
      else if (m.type === 'paillier') setPaillier(m.paillier);
      else setBackend(m.backend);
    };
    w.onerror = (e) => setStatus({ phase: 'failed', message: `party worker failed: ${e.message}` });
    const own = ownData && file ? { file, idColumn: idColumn.trim(), labelColumn: labelColumn.trim() } : undefined;
    w.postMessage({ job: job.trim(), role, token: token.trim(), ...(own ? { own } : {}) });
  };
  const intersection = reports.find((r): r is Extract<VerticalReport, { kind: 'intersection' }> => r.kind === 'intersection');
  // The bar stays at its last step after the end, so a finished party shows how far it went.
  const lastStep = [...reports].reverse().find((r): r is Extract<VerticalReport, { kind: 'step' }> => r.kind === 'step');
  const epochs = reports.filter((r): r is Extract<VerticalReport, { kind: 'epoch' }> => r.kind === 'epoch');
  return (
    <main className="page" data-testid="vertical.page">
      <header><h1>Flotilla — vertical party</h1></header>
      <section className="panel">
        <p className="muted">
          Join a vertical job (hetero LR, split NN or FTL) as one of its parties. A guest or a host uses the job's simulated table or,
          in a job without simulation, its own CSV file (read in this tab only); this tab aligns its IDs with the other parties by
          private set intersection and trains without showing its features, labels or gradients to anyone. In an FTL job (guest
          and host only, each with its own Paillier key) the host's other rows are labelled from the guest's labels.
        </p>
        <label>job <input value={job} onChange={(e) => setJob(e.target.value)} disabled={running} data-testid="vertical.job" /></label>
        <fieldset disabled={running}>
          <legend>role</legend>
          {roles.map((r) => (
            <label key={r}>
              <input type="radio" name="role" value={r} checked={role === r} onChange={() => setRole(r)} data-testid={`vertical.role.${r}`} />
              {r} — {roleWhat(r)}
            </label>
          ))}
        </fieldset>
        {role === 'arbiter' ? null : (
          <fieldset disabled={running}>
            <legend>data</legend>
            <label>
              <input type="radio" name="source" checked={source === 'simulated'} onChange={() => setSource('simulated')} data-testid="vertical.data.simulated" />
              the job's simulated table
            </label>
            <label>
              <input type="radio" name="source" checked={source === 'csv'} onChange={() => setSource('csv')} data-testid="vertical.data.csv" />
              my CSV file
            </label>
            {source === 'csv' ? (
              <>
                <p className="muted">
                  A header row, an ID column, numeric feature columns{role === 'guest' ? ' and a label column (two classes for hetero LR, K for a split NN)' : ''};
                  features are standardised here. The last share of the aligned rows (the job's validation fraction) is held out for validation.
                </p>
                <label>file <input type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="vertical.csv.file" /></label>
                <label>ID column <input value={idColumn} onChange={(e) => setIdColumn(e.target.value)} data-testid="vertical.csv.id-column" /></label>
                {role === 'guest' ? (
                  <label>label column <input value={labelColumn} onChange={(e) => setLabelColumn(e.target.value)} data-testid="vertical.csv.label-column" /></label>
                ) : null}
              </>
            ) : null}
          </fieldset>
        )}
        <label>party token <input type="password" value={token} onChange={(e) => setToken(e.target.value)} disabled={running} data-testid="vertical.token" /></label>
        <button type="button" onClick={join} disabled={running || !job || !token || (ownData && !file)} data-testid="vertical.join">Join</button>
      </section>
      {status ? (
        <section className="panel" data-testid="vertical.status" data-phase={status.phase}>
          <p>
            <strong data-testid="vertical.phase">{status.phase}</strong>
            {status.phase === 'training' && status.steps > 0 ? <> — step {status.step}/{status.steps}</> : null}
            {paillier && running ? <> · Paillier on {paillier.workers > 0 ? `${paillier.workers} worker${paillier.workers === 1 ? '' : 's'}` : 'the party worker alone'}</> : null}
            {status.phase === 'failed' ? <span className="error" data-testid="vertical.error"> {status.message}</span> : null}
          </p>
          {lastStep ? <progress max={lastStep.steps} value={lastStep.step} data-testid="vertical.progress" /> : null}
          {table ? (
            <p data-testid="vertical.table">
              own table: <strong data-testid="vertical.table.rows">{table.rows}</strong> rows,{' '}
              <strong data-testid="vertical.table.features">{table.featureColumns}</strong> feature columns
              {table.classes ? <>, <strong data-testid="vertical.table.classes">{table.classes.length}</strong> classes ({table.classes.slice(0, 10).join(', ')})</> : null}
            </p>
          ) : null}
          {paillier ? (
            <p data-testid="vertical.paillier">
              Paillier workers: <strong data-testid="vertical.paillier.workers">{paillier.workers}</strong>
              {paillier.reason ? <> — {paillier.reason}; r^n and decryption run in the party worker alone (slower, same protocol)</> : ' (r^n precomputation and decryption beside the party worker)'}
            </p>
          ) : null}
          {backend ? <p>tfjs backend: <strong data-testid="vertical.backend">{backend}</strong></p> : null}
          {intersection ? <p>aligned rows: <strong data-testid="vertical.intersection">{intersection.size}</strong></p> : null}
          {epochs.length > 0 ? (
            <table>
              <thead><tr><th>epoch</th><th>training loss</th><th>{ownData ? 'validation' : 'test'} accuracy</th></tr></thead>
              <tbody>
                {epochs.map((e) => (
                  <tr key={e.epoch} data-testid="vertical.epoch">
                    <td>{e.epoch}</td>
                    <td>{e.loss !== undefined ? e.loss.toFixed(4) : '–'}</td>
                    <td>{e.accuracy !== undefined ? e.accuracy.toFixed(3) : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      ) : null}
    </main>
  );
}
