// Runs one party of a vertical job (in the page's party worker): joins the relay, loads its table, runs its role
// (a hetero LR party on a pool of nested Paillier workers).
import { labelOwnTable, readOwnTable, summarise } from './ownTable.ts';
import { paillierPoolSize, startPaillierPool } from './paillierPool.ts';
import type { PaillierUse } from './paillierPool.ts';
import type { OwnTableChoice, TableSummary } from './ownTable.ts';
import { joinRelay, runFtlGuest, runFtlHost, runHeteroLrArbiter, runHeteroLrGuest, runHeteroLrHost, runSplitNnArbiter, runSplitNnGuest, runSplitNnHost } from '@flotilla/vertical';
import type { PartyCsvTable } from '@flotilla/data';
import type { HostRole, VerticalPartyTable, RelaySocket, VerticalReport, VerticalRole } from '@flotilla/vertical';

/** What the page shows while the party runs. */
export type PartyStatus =
  | { phase: 'joining' | 'waiting' | 'loading' | 'aligning' }
  | { phase: 'training'; step: number; steps: number }
  | { phase: 'done' }
  | { phase: 'failed'; message: string };

const fromBase64 = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const floats = (b64: string): Float32Array => {
  const bytes = fromBase64(b64);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};

/** The job's simulated table for this role, from the coordinator (party token required). */
async function loadTable(job: string, role: 'guest' | HostRole, token: string): Promise<VerticalPartyTable> {
  const response = await fetch(`/vertical/jobs/${encodeURIComponent(job)}/tables/${role}?token=${encodeURIComponent(token)}`);
  const body = await response.json() as Record<string, unknown>;
  if (!response.ok) throw new Error(`${String(body.code)}: ${String(body.message)}`);
  const table: VerticalPartyTable = {
    ids: body.ids as string[],
    featureCount: body.featureCount as number,
    features: floats(body.features as string),
    testFeatures: floats(body.testFeatures as string),
  };
  if (typeof body.labels === 'string') table.labels = fromBase64(body.labels);
  if (typeof body.testLabels === 'string') table.testLabels = fromBase64(body.testLabels);
  return table;
}

/** Where a party reports what the page shows, and how it starts tfjs. */
export interface PartyHooks {
  onStatus(s: PartyStatus): void;
  onReport(r: VerticalReport): void;
  /** Picks and names the tfjs backend (a split NN guest or host only). */
  prepareTfjs(): Promise<void>;
  /** The own table's shape, once read (and again once labelled for the job's algorithm). */
  onTable(t: TableSummary): void;
  /** How many Paillier workers a hetero LR party runs on (0, with the reason, when none starts). */
  onPaillier(p: PaillierUse): void;
}

/**
 * Joins job `job` as `role` and runs it to the end, reporting status and the party's own reports.
 * Heavy steps (PSI blinding, Paillier, tfjs) block the thread that calls it, so the page calls it
 * in a Web Worker. A split NN guest or host first calls `prepareTfjs` (which picks and names the
 * tfjs backend); a hetero LR party starts a pool of nested Paillier workers and closes it at the
 * end, whatever the outcome. With `own`, a guest or host uses the picked CSV file (an own-data job
 * only), read before joining, and calls `onTable` with its shape; a bad file never joins the job.
 * @example await runParty(jobId, 'guest', token, { onStatus, onReport, prepareTfjs, onTable, onPaillier });
 */
export async function runParty(job: string, role: VerticalRole, token: string, hooks: PartyHooks, own?: OwnTableChoice): Promise<void> {
  const { onStatus, onReport, prepareTfjs, onTable } = hooks;
  let ownTable: PartyCsvTable | undefined;
  if (own && role !== 'arbiter') {
    onStatus({ phase: 'loading' });
    try {
      ownTable = await readOwnTable(own, role);
    } catch (err) {
      return onStatus({ phase: 'failed', message: failure(err) });
    }
    onTable(summarise(ownTable));
  }
  onStatus({ phase: 'joining' });
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/vertical/ws?job=${encodeURIComponent(job)}&role=${role}&token=${encodeURIComponent(token)}`;
  const socket = new WebSocket(url);
  let steps = 0;
  const report = (r: VerticalReport): void => {
    if (r.kind === 'step') {
      steps = r.steps;
      onStatus({ phase: 'training', step: r.step, steps: r.steps });
    }
    onReport(r);
  };
  try {
    const party = await joinRelay(socket as unknown as RelaySocket, report);
    if (ownTable && role !== 'arbiter') {
      try {
        if (party.welcome.simulation) throw new Error('this job is a simulation: choose “the job’s simulated table” (a CSV file is for own-data jobs)');
        onTable(summarise(labelOwnTable(ownTable, role, party.welcome.algorithm)));
      } catch (err) {
        socket.close();
        throw err;
      }
    }
    onStatus({ phase: 'waiting' });
    await party.started;
    const { algorithm, settings } = party.welcome;
    // FTL decrypts for the other party on the same pool; the split NN has no Paillier work.
    const paillier = algorithm !== 'split-nn' ? await startPaillierPool(paillierPoolSize(role)) : null;
    if (paillier) hooks.onPaillier(paillier.use);
    const pool = paillier?.pool ?? null;
    const options = pool ? { workers: pool } : {};
    // An arbiter waits for its pool's decryptions: a pool worker that dies mid-job fails it with its
    // code instead of leaving it waiting forever. A guest's or host's r^n fill is best-effort (an
    // encryption without a precomputed factor computes its own), so it trains on.
    const run = async (): Promise<void> => {
      if (role === 'arbiter') {
        onStatus({ phase: 'training', step: 0, steps });
        if (algorithm === 'split-nn') await runSplitNnArbiter(party.channel, settings);
        else await runHeteroLrArbiter(party.channel, settings, options);
      } else {
        onStatus({ phase: 'loading' });
        if (algorithm === 'split-nn') await prepareTfjs();
        const table = ownTable ?? await loadTable(job, role, token);
        onStatus({ phase: 'aligning' });
        if (algorithm === 'split-nn') await (role === 'guest' ? runSplitNnGuest(party.channel, table, settings) : runSplitNnHost(party.channel, table, settings, role));
        else if (algorithm === 'ftl') await (role === 'guest' ? runFtlGuest(party.channel, table, settings, options) : runFtlHost(party.channel, table, settings, options));
        else await (role === 'guest' ? runHeteroLrGuest(party.channel, table, settings, options) : runHeteroLrHost(party.channel, table, settings, role, options));
      }
    };
    try {
      await (pool && role === 'arbiter' ? Promise.race([run(), paillier!.crashed]) : run());
      party.done();
      onStatus({ phase: 'done' });
    } catch (err) {
      party.fail(err);
      throw err;
    } finally {
      await pool?.close();
    }
  } catch (err) {
    onStatus({ phase: 'failed', message: failure(err) });
  }
}

/** An error as the page shows it: its code (VFL_CSV_*, VFL_*, PSI_*) first when it has one. */
function failure(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && !message.startsWith(code) ? `${code}: ${message}` : message;
}
