// Vertical jobs (hetero LR, split NN, FTL): who joined, the PSI intersection size, the step, loss and accuracy per
// epoch next to the centralised and label-holder-alone baselines (simulations; own-data jobs have none).

import { useEffect, useState } from 'react';
import type { VerticalJobView } from '@flotilla/protocol';
import { api } from './api.ts';

const ALGORITHM_NAMES: Record<VerticalJobView['algorithm'], string> = { 'hetero-lr': 'hetero LR', 'split-nn': 'split NN', ftl: 'FTL' };

const fixed = (v: number | undefined, digits: number): string => (v === undefined ? '–' : v.toFixed(digits));

const POLL_MS = 1500;

/**
 * An FTL job's epochs: the guest's loss, the host's accuracy on its rows outside the overlap, and
 * (simulations) plaintext FTL, the pooled model and the guest's majority label on the same rows,
 * with the guest alone on its own rows set apart: it has no features of the host's rows.
 */
function FtlEpochs({ job }: { job: VerticalJobView }) {
  const simulated = job.simulation !== null;
  return (
    <table data-testid="dashboard.vertical.ftl">
      <thead>
        <tr>
          <th>epoch</th><th>loss (guest)</th><th>accuracy on host-only rows (host)</th>
          {simulated ? <><th>plaintext FTL</th><th>pooled data</th><th>guest prior</th><th>guest alone, own rows</th></> : null}
        </tr>
      </thead>
      <tbody>
        {job.epochs.map((e) => {
          const b = job.baselines?.find((x) => x.epoch === e.epoch);
          return (
            <tr key={e.epoch} data-testid="dashboard.vertical.epoch">
              <td>{e.epoch}</td>
              <td>{fixed(e.loss, 4)}</td>
              <td data-testid="dashboard.vertical.accuracy">{fixed(e.accuracy, 3)}</td>
              {simulated ? (
                <>
                  <td data-testid="dashboard.vertical.plaintext-ftl">{fixed(b?.plaintextFtl, 3)}</td>
                  <td data-testid="dashboard.vertical.centralised">{fixed(b?.centralised, 3)}</td>
                  <td data-testid="dashboard.vertical.guest-prior">{fixed(b?.guestPrior, 3)}</td>
                  <td data-testid="dashboard.vertical.alone">{fixed(b?.labelHolderAlone, 3)}</td>
                </>
              ) : null}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Polls GET /api/vertical/jobs; shows nothing until a vertical job exists. */
export function VerticalJobs({ token }: { token: string | null }) {
  const [jobs, setJobs] = useState<VerticalJobView[]>([]);
  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        const body = await api<{ jobs: VerticalJobView[] }>(token, '/api/vertical/jobs');
        if (!stopped) setJobs(body.jobs);
      } catch {
        // The task views report a refused token; a transient failure is retried on the next tick.
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [token]);
  if (jobs.length === 0) return null;
  return (
    <section className="panel" data-testid="dashboard.vertical">
      <h2>Vertical jobs</h2>
      {jobs.map((job) => (
        <div key={job.id} data-testid="dashboard.vertical.job" data-job-id={job.id}>
          <p>
            <code>{job.id.slice(0, 8)}</code> <span data-testid="dashboard.vertical.algorithm">{ALGORITHM_NAMES[job.algorithm]}</span>{job.roles.length > 3 ? `, ${job.roles.length - 2} hosts` : ''} —{' '}
            <strong data-testid="dashboard.vertical.state">{job.state}</strong>,{' '}
            {job.roles.filter((r) => r.joined).length}/{job.roles.length} parties joined
            {job.intersection === null ? null : <>, aligned rows <strong data-testid="dashboard.vertical.intersection">{job.intersection}</strong></>}
            {job.progress ? <>, step <span data-testid="dashboard.vertical.step">{job.progress.step}/{job.progress.steps}</span></> : null}
          </p>
          <p className="muted" data-testid="dashboard.vertical.roles">
            {job.roles.map((r, i) => (
              <span key={r.role} data-testid="dashboard.vertical.role" data-role={r.role} data-joined={r.joined}>
                {i > 0 ? ', ' : ''}{r.role} {r.joined ? '✓' : '…'}
              </span>
            ))}
          </p>
          {job.progress ? <progress max={job.progress.steps} value={job.progress.step} /> : null}
          {job.error ? <p className="error" data-testid="dashboard.vertical.error">{job.error.role ? `${job.error.role}: ` : ''}{job.error.code} {job.error.message}</p> : null}
          {job.simulation === null ? (
            <p className="muted" data-testid="dashboard.vertical.no-baselines">
              {job.algorithm === 'ftl'
                ? "no baselines: parties' own data (the host labels its rows outside the overlap; no accuracy without their labels)"
                : `no baselines: parties' own data (accuracy on the last ${Math.round((job.settings.validationFraction ?? 0) * 100)}% of the aligned rows)`}
            </p>
          ) : null}
          {job.epochs.length > 0 && job.algorithm === 'ftl' ? <FtlEpochs job={job} /> : null}
          {job.epochs.length > 0 && job.algorithm !== 'ftl' ? (
            <table>
              <thead>
                <tr>
                  <th>epoch</th><th>loss (arbiter)</th><th>{job.simulation === null ? 'validation' : 'test'} accuracy (guest)</th>
                  {job.simulation === null ? null : <><th>centralised</th><th>label holder alone</th></>}
                </tr>
              </thead>
              <tbody>
                {job.epochs.map((e) => {
                  const baseline = job.baselines?.find((b) => b.epoch === e.epoch);
                  return (
                    <tr key={e.epoch} data-testid="dashboard.vertical.epoch">
                      <td>{e.epoch}</td>
                      <td>{fixed(e.loss, 4)}</td>
                      <td data-testid="dashboard.vertical.accuracy">{fixed(e.accuracy, 3)}</td>
                      {job.simulation === null ? null : (
                        <>
                          <td data-testid="dashboard.vertical.centralised">{fixed(baseline?.centralised, 3)}</td>
                          <td data-testid="dashboard.vertical.alone">{fixed(baseline?.labelHolderAlone, 3)}</td>
                        </>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : null}
        </div>
      ))}
    </section>
  );
}
