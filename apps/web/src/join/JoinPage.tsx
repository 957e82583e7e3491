// The join page: what happens in plain words, the connection, task, backend and benchmark, the
// current round and its local training progress, the rounds this device contributed to, the
// federated evaluations it answered, its contribution standing, pause / leave, and, outside a simulated fleet, the person's
// own data read with the task's schema. Every value a test or a fleet reads carries a `join.*` data-testid.

import { useSyncExternalStore } from 'react';
import { OwnData, describeSchema } from './OwnData.tsx';
import { StandingCard } from './StandingCard.tsx';
import type { JoinSession, JoinState } from './JoinSession.ts';

const CONNECTION_TEXT: Record<JoinState['connection'], string> = {
  'not-connected': 'not connected yet', connecting: 'connecting…', idle: 'connected, waiting to be selected',
  training: 'connected, training', uploading: 'connected, sending the update', reconnecting: 'reconnecting…', stopped: 'disconnected',
};

function modelName(state: JoinState): string {
  const kind = state.model?.kind;
  if (kind === 'mnist-2nn') return 'MNIST 2NN (two hidden layers of 200)';
  if (kind === 'mnist-cnn') return 'MNIST CNN (two 5×5 convolutions)';
  if (state.model?.kind === 'schema') return `${state.model.architecture} built for ${describeSchema(state.schema)}`;
  return kind ?? '—';
}

function dataText(s: JoinState): string {
  if (s.examples === null) return '—';
  const split = s.split && s.split.heldOut > 0 ? `; ${s.split.train} to train on, ${s.split.heldOut} held out to evaluate the global model` : '';
  if (s.dataMode === 'simulation') {
    const what = s.schema.kind === 'image' && s.schema.height === 28 && s.schema.channels === 1 ? 'MNIST examples' : `${s.schema.kind} examples`;
    return `${s.examples} ${what} of simulated partition ${s.partition} (kept in this page's worker${split})`;
  }
  if (s.examples === 0) return 'none yet: pick files below; this page is connected, and trains once it holds examples';
  return `${s.examples} examples of yours (${s.sources?.files ?? 0} from picked files, ${s.sources?.drawn ?? 0} drawn), kept in this page's worker${split}`;
}

function metricText(m: NonNullable<JoinState['evaluations'][number]['metrics']>): string {
  return m.accuracy !== undefined ? `accuracy ${(m.accuracy * 100).toFixed(1)} %, loss ${m.loss.toFixed(4)}` : `MSE ${m.mse?.toFixed(4)}, MAE ${m.mae?.toFixed(4)}`;
}

export function JoinPage({ session }: { session: JoinSession }) {
  const s = useSyncExternalStore(session.subscribe, session.getSnapshot);
  const p = s.progress;
  const done = p ? ((p.epoch - 1) * p.batches + p.batch) / (p.epochs * p.batches) : s.phase === 'training' ? 0 : null;
  return (
    <main data-testid="join.page" data-stage={s.stage} style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 760, margin: '2rem auto', lineHeight: 1.45 }}>
      <h1>Flotilla — this page is a federated-learning client</h1>
      <section data-testid="join.explainer" aria-label="What happens here">
        <ol>
          <li>The model comes down: the coordinator sends the current global model to this page.</li>
          <li>Training runs on this device, in a background worker, on data held by this page.</li>
          <li>Only the update goes up: the difference between the trained and the received weights.</li>
          <li>Raw data never leaves this page: no image or label is ever sent to the coordinator.</li>
        </ol>
      </section>

      <section aria-label="This device">
        <h2>This device</h2>
        <dl style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: '1rem' }}>
          <dt>Connection</dt><dd data-testid="join.connection" data-status={s.connection}>{CONNECTION_TEXT[s.connection]}{s.reconnects > 0 ? ` (${s.reconnects} reconnects)` : ''}</dd>
          <dt>Client id</dt><dd data-testid="join.client-id">{s.clientId ?? '—'}</dd>
          <dt>Task</dt><dd data-testid="join.task" data-task-id={s.taskId ?? ''}>{s.taskName ?? s.taskId ?? '—'} · {modelName(s)}</dd>
          <dt>Local data</dt>
          <dd data-testid="join.data" data-examples={s.examples ?? ''} data-mode={s.dataMode}>{dataText(s)}</dd>
          <dt>Backend</dt>
          <dd data-testid="join.backend" data-backend={s.backend?.backend ?? ''} data-examples-per-sec={s.backend?.examplesPerSec ?? ''}>
            {s.backend ? `${s.backend.backend}${s.backend.simd ? ' (SIMD)' : ''}${s.backend.forced ? ', forced' : ''} — benchmark ${s.backend.examplesPerSec} examples/s` : 'measuring this device…'}
          </dd>
        </dl>
        {s.backend && (
          <details data-testid="join.backend.probes">
            <summary>How the backend was chosen</summary>
            <ul>
              {s.backend.probes.map((probe) => (
                <li key={probe.backend} data-testid={`join.backend.probe.${probe.backend}`} data-ok={probe.ok}>
                  {probe.backend}: {probe.ok ? `${probe.examplesPerSec} examples/s` : `unavailable — ${probe.reason}`} ({probe.ms} ms){probe.adapter ? `, adapter: ${probe.adapter}` : ''}
                </li>
              ))}
            </ul>
          </details>
        )}
      </section>

      {s.dataMode === 'own' && s.stage !== 'starting' && s.stage !== 'left' && <OwnData s={s} session={session} />}

      <section aria-label="Current round">
        <h2>Current round</h2>
        <p>
          Round <span data-testid="join.round.number">{s.round ?? '—'}</span>: <span data-testid="join.round.phase" data-phase={s.phase}>{s.phase}</span>
          {s.secagg && <> · secure aggregation: <span data-testid="join.round.secagg" data-stage={s.secagg}>{s.secagg}</span> (only a masked update leaves this page)</>}
        </p>
        <progress data-testid="join.progress" max={1} value={done ?? 0} style={{ width: '100%' }} aria-label="Local training progress" />
        <p data-testid="join.progress.text">
          {p ? `epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(4)}` : 'no local training in progress'}
        </p>
        <p>
          {s.stage === 'paused'
            ? <button data-testid="join.resume" onClick={() => session.resume()}>Resume</button>
            : <button data-testid="join.pause" disabled={s.stage !== 'ready'} onClick={() => session.pause()}>Pause</button>}{' '}
          <button data-testid="join.leave" disabled={s.stage === 'left'} onClick={() => session.leave()}>Leave</button>
        </p>
        {s.stage === 'left' && <p data-testid="join.left">You left the federation. Reload the page to join again as a new client.</p>}
        {s.lastError && <p data-testid="join.error" role="status" style={{ color: '#a33' }}>{s.lastError}</p>}
      </section>

      <StandingCard standing={s.standing} />

      {s.evaluations.length > 0 && (
        <section aria-label="Evaluations">
          <h2>Global models this device evaluated on its held-out examples</h2>
          <ul data-testid="join.evaluations">
            {s.evaluations.map((e) => (
              <li key={e.round} data-testid="join.evaluation" data-round={e.round} data-outcome={e.outcome}>
                round {e.round}: {e.metrics ? `${e.personal ? 'global model: ' : ''}${metricText(e.metrics)} on ${e.numExamples} examples` : `not evaluated (${e.code})`}
                {e.personal ? <span data-testid="join.evaluation.personal">; your personal model: {metricText(e.personal)}</span> : null}
                {e.localOnly ? <span data-testid="join.evaluation.localOnly">; a model of your data alone: {metricText(e.localOnly)}</span> : null}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-label="Rounds contributed">
        <h2>Rounds this device contributed to</h2>
        <table data-testid="join.history">
          <thead><tr><th>round</th><th>outcome</th><th>local loss</th><th>local accuracy</th><th>training time</th></tr></thead>
          <tbody>
            {s.history.map((h) => (
              <tr key={h.round} data-testid="join.history.row" data-round={h.round} data-outcome={h.outcome}>
                <td>{h.round}</td><td>{h.outcome}</td><td>{h.loss?.toFixed(4) ?? '—'}</td>
                <td>{h.accuracy === null ? '—' : `${(h.accuracy * 100).toFixed(1)} %`}</td>
                <td>{h.trainMs === null ? '—' : `${(h.trainMs / 1000).toFixed(1)} s`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </main>
  );
}
