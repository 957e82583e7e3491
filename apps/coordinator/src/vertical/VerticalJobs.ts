// Vertical jobs: settings, per-role party token hashes, who joined, progress the parties report; kept in the store.
import { createHash, randomUUID } from 'node:crypto';
import { ErrorCodes, FlotillaError, type VerticalJobView } from '@flotilla/protocol';
import { DEFAULT_VALIDATION_FRACTION, FTL_DEFAULT_OVERLAP, MAX_HOSTS, verticalRolesOf } from '@flotilla/vertical';
import type { FtlBaselineEpoch, FtlJobSettings, HeteroLrBaselineEpoch, VerticalAlgorithm, VerticalReport, VerticalRole, VerticalSimulationSpec } from '@flotilla/vertical';
import { sameSecret } from '../auth/operatorAuth.ts';
import { secretToken } from '../auth/operatorToken.ts';
import type { Store, VerticalJobRecord } from '../store/Store.ts';

/** Lifecycle of a vertical job. */
export type VerticalJobState = 'waiting' | 'running' | 'done' | 'failed';

/** Progress of one epoch as the parties report it (loss from the arbiter, accuracy from the guest). */
export interface VerticalEpoch {
  epoch: number;
  loss?: number;
  accuracy?: number;
}

/** A vertical job and what the operator sees of it. */
export interface VerticalJob {
  id: string;
  algorithm: VerticalAlgorithm;
  /** keyBits applies to hetero LR and FTL, l2 to hetero LR, dim and gamma to FTL; `hosts` (1 when absent) decides the roles; validationFraction applies to own-data jobs only. */
  settings: FtlJobSettings;
  state: VerticalJobState;
  createdAt: string;
  /** SHA-256 of each role's secret token, which a party presents when it joins; the tokens themselves are returned once, at creation. */
  tokenHashes: Partial<Record<VerticalRole, string>>;
  joined: Set<VerticalRole>;
  finished: Set<VerticalRole>;
  intersection: number | null;
  progress: { step: number; steps: number } | null;
  epochs: VerticalEpoch[];
  error: { role: VerticalRole | null; code: string; message: string } | null;
  /** Simulated tables the parties draw, when the job is a simulation; the baselines need it. Null: parties bring their own tables. */
  simulation: VerticalSimulationSpec | null;
  /** Test accuracy per epoch of the centralised and label-holder-alone baselines (simulations only: the coordinator never sees own data). */
  baselines: (HeteroLrBaselineEpoch | FtlBaselineEpoch)[] | null;
}

/** The roles of a job: guest, its hosts (`host`, `host-2`, …), arbiter; FTL: guest and host. */
export function jobRoles(job: Pick<VerticalJob, 'algorithm' | 'settings'>): VerticalRole[] {
  return verticalRolesOf(job.algorithm, job.settings.hosts ?? 1);
}

/** Whether `role` names a role of this job. */
export function isJobRole(job: VerticalJob, role: unknown): role is VerticalRole {
  return typeof role === 'string' && (jobRoles(job) as string[]).includes(role);
}

/** What REST returns for a job (no tokens). */
export function verticalJobView(job: VerticalJob): VerticalJobView {
  return {
    id: job.id,
    algorithm: job.algorithm,
    settings: job.settings,
    state: job.state,
    createdAt: job.createdAt,
    roles: jobRoles(job).map((role) => ({ role, joined: job.joined.has(role), finished: job.finished.has(role) })),
    intersection: job.intersection,
    progress: job.progress,
    epochs: job.epochs,
    error: job.error,
    simulation: job.simulation,
    baselines: job.baselines,
  };
}

/** Error code of a job that was running when the coordinator stopped: its parties' sockets are gone. */
export const VFL_COORDINATOR_RESTARTED = 'VFL_COORDINATOR_RESTARTED';

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

function toRecord(job: VerticalJob): VerticalJobRecord {
  return { ...job, joined: [...job.joined], finished: [...job.finished] };
}

function fromRecord(r: VerticalJobRecord): VerticalJob {
  return { ...r, joined: new Set(r.joined), finished: new Set(r.finished) };
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** FLT_INVALID_TASK naming the field when FTL settings are out of range, or FTL-only ones are set for another algorithm. */
function checkFtlSettings(algorithm: VerticalAlgorithm, settings: FtlJobSettings, simulation: VerticalSimulationSpec | null): void {
  const { dim, gamma, hosts, l2 } = settings;
  if (algorithm !== 'ftl') {
    if (dim !== undefined || gamma !== undefined) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'dim and gamma are FTL settings (algorithm ftl)');
    return;
  }
  if (hosts !== undefined && hosts !== 1) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'hosts: FTL runs between one guest and one host');
  if (l2 !== undefined) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'l2 is a hetero LR setting');
  if (settings.validationFraction !== undefined) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'validationFraction: FTL scores the host’s rows outside the overlap, it holds out no aligned rows');
  if (dim !== undefined && (!Number.isInteger(dim) || dim < 1 || dim > 64)) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'dim must be an integer in [1, 64]');
  if (gamma !== undefined && !(gamma >= 0 && gamma <= 100)) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'gamma must be in [0, 100]');
  if (simulation?.testRows !== undefined) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'simulation.testRows: an FTL simulation scores the host’s rows outside the overlap');
}

/** The stored simulation: the task each algorithm trains on; FTL's own split (default overlap 10 %). */
function simulationOf(algorithm: VerticalAlgorithm, simulation: VerticalSimulationSpec, hosts: number | undefined): VerticalSimulationSpec {
  switch (algorithm) {
    case 'ftl':
      return { ...simulation, overlap: simulation.overlap ?? FTL_DEFAULT_OVERLAP };
    case 'split-nn':
    case 'hetero-lr':
      // The split NN trains on full images and all ten digits; hetero LR on the pooled ≥ 5 task.
      // With more than one host the simulation cuts one column band per host.
      return { ...simulation, task: algorithm === 'split-nn' ? 'digits' : 'pooled-binary', ...(hosts !== undefined && hosts > 1 ? { hosts } : {}) };
    default: {
      const never: never = algorithm;
      throw new Error(`unknown algorithm ${String(never)}`);
    }
  }
}

/**
 * The coordinator's registry of vertical jobs. It relays; it does not compute: it never sees a
 * key, a feature or a gradient in the clear, only what the parties' protocols put on the wire.
 * Jobs live in the store: after a restart the list, results and baselines are back, and a job that
 * was running comes back failed (its parties' sockets are gone, and a half-run protocol cannot resume).
 * @example const jobs = new VerticalJobs(store); const { job, tokens } = jobs.create({ epochs: 2 }); jobs.tokenMatches(job, 'guest', tokens.guest);
 */
export class VerticalJobs {
  private readonly jobs = new Map<string, VerticalJob>();
  /** Jobs the restart turned from running to failed, so the caller can announce them. */
  readonly interrupted: VerticalJob[] = [];

  /** `closing` turns writes off while the coordinator shuts down: the store is being closed. */
  constructor(private readonly store: Store | null = null, private readonly closing: () => boolean = () => false) {
    for (const record of store?.listVerticalJobs() ?? []) {
      const job = fromRecord(record);
      if (job.state === 'running') {
        job.state = 'failed';
        job.error = { role: null, code: VFL_COORDINATOR_RESTARTED, message: 'coordinator restarted during the job' };
        this.interrupted.push(job);
        this.save(job);
      } else if (job.state === 'waiting' && job.joined.size > 0) {
        // Parties that had joined were on sockets of the previous process.
        job.joined.clear();
        this.save(job);
      }
      this.jobs.set(job.id, job);
    }
  }

  /** Writes the job's current state to the store (after every change the operator should not lose). */
  save(job: VerticalJob): void {
    if (!this.closing()) this.store?.putVerticalJob(toRecord(job));
  }

  /** Whether `token` is the role's party token (constant-time, against its hash). */
  tokenMatches(job: VerticalJob, role: VerticalRole, token: string): boolean {
    const hash = job.tokenHashes[role];
    return hash !== undefined && sameSecret(hashToken(token), hash);
  }

  /**
   * A new job waiting for its parties, and its party tokens (shown only now); FLT_INVALID_TASK on bad
   * settings. Without `simulation` it is an own-data job: the parties hold out `validationFraction`
   * (default 0.2) of their aligned rows, and the welcome tells them the fraction.
   */
  create(settings: FtlJobSettings, simulation: VerticalSimulationSpec | null = null, algorithm: VerticalAlgorithm = 'hetero-lr'): { job: VerticalJob; tokens: Partial<Record<VerticalRole, string>> } {
    const { epochs, batchSize, learningRate, l2, keyBits, hosts, dim, gamma } = settings;
    checkFtlSettings(algorithm, settings, simulation);
    // FTL holds out nothing: what it labels is the host's rows outside the overlap.
    const validationFraction = simulation || algorithm === 'ftl' ? settings.validationFraction : settings.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
    if (simulation && validationFraction !== undefined) {
      throw new FlotillaError(ErrorCodes.INVALID_TASK, 'validationFraction is for own-data jobs (without simulation): a simulation scores its test rows');
    }
    if (validationFraction !== undefined && !(validationFraction > 0 && validationFraction <= 0.5)) {
      throw new FlotillaError(ErrorCodes.INVALID_TASK, 'validationFraction must be in (0, 0.5]');
    }
    if (!Number.isInteger(epochs) || epochs < 1 || epochs > 1000) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'epochs must be an integer in [1, 1000]');
    if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'batchSize must be a positive integer');
    if (learningRate !== undefined && !(learningRate > 0)) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'learningRate must be > 0');
    if (l2 !== undefined && !(l2 >= 0)) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'l2 must be ≥ 0');
    if (keyBits !== undefined && ![1024, 2048, 3072, 4096].includes(keyBits)) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'keyBits must be 1024, 2048, 3072 or 4096');
    if (hosts !== undefined && (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS)) throw new FlotillaError(ErrorCodes.INVALID_TASK, `hosts must be an integer in [1, ${MAX_HOSTS}]`);
    if (simulation) {
      const { rows, overlap, testRows } = simulation;
      if (rows !== undefined && (!Number.isInteger(rows) || rows < 10 || rows > 60000)) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'simulation.rows must be an integer in [10, 60000]');
      if (testRows !== undefined && (!Number.isInteger(testRows) || testRows < 1 || testRows > 10000)) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'simulation.testRows must be an integer in [1, 10000]');
      if (overlap !== undefined && !(overlap > 0 && overlap <= 1)) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'simulation.overlap must be in (0, 1]');
    }
    const token = secretToken;
    const roles = verticalRolesOf(algorithm, hosts ?? 1);
    const tokens: Partial<Record<VerticalRole, string>> = Object.fromEntries(roles.map((role) => [role, token()]));
    const job: VerticalJob = {
      id: randomUUID(),
      algorithm,
      settings: { epochs, ...(batchSize === undefined ? {} : { batchSize }), ...(learningRate === undefined ? {} : { learningRate }), ...(l2 === undefined ? {} : { l2 }), ...(keyBits === undefined ? {} : { keyBits }), ...(hosts === undefined ? {} : { hosts }), ...(validationFraction === undefined ? {} : { validationFraction }), ...(dim === undefined ? {} : { dim }), ...(gamma === undefined ? {} : { gamma }) },
      state: 'waiting',
      createdAt: new Date().toISOString(),
      tokenHashes: Object.fromEntries(roles.map((role) => [role, hashToken(tokens[role]!)])),
      joined: new Set(),
      finished: new Set(),
      intersection: null,
      progress: null,
      epochs: [],
      error: null,
      simulation: simulation ? simulationOf(algorithm, simulation, hosts) : null,
      baselines: null,
    };
    this.jobs.set(job.id, job);
    this.save(job);
    return { job, tokens };
  }

  list(): VerticalJob[] {
    return [...this.jobs.values()];
  }

  /** FLT_NOT_FOUND for an unknown id. */
  get(id: string): VerticalJob {
    const job = this.jobs.get(id);
    if (!job) throw new FlotillaError(ErrorCodes.NOT_FOUND, `no vertical job ${id}`);
    return job;
  }

  /** Records a party's report; FLT_SCHEMA_VIOLATION if it is not a known, finite one. */
  report(job: VerticalJob, role: VerticalRole, report: unknown): void {
    const r = report as Partial<VerticalReport> & Record<string, unknown>;
    if (typeof r !== 'object' || r === null) throw new FlotillaError(ErrorCodes.SCHEMA_VIOLATION, 'report must be an object');
    if (r.kind === 'intersection' && role === 'guest' && Number.isInteger(r.size) && (r.size as number) >= 0) {
      job.intersection = r.size as number;
    } else if (r.kind === 'step' && role === 'guest' && Number.isInteger(r.step) && Number.isInteger(r.steps)) {
      job.progress = { step: r.step as number, steps: r.steps as number };
    } else if (r.kind === 'epoch' && Number.isInteger(r.epoch) && (r.epoch as number) >= 1 && (r.epoch as number) <= job.settings.epochs) {
      let entry = job.epochs.find((e) => e.epoch === r.epoch);
      if (!entry) {
        entry = { epoch: r.epoch as number };
        job.epochs.push(entry);
        job.epochs.sort((a, b) => a.epoch - b.epoch);
      }
      // Hetero LR: the loss is the arbiter's (it decrypts it); split NN and FTL: the guest computes it.
      const lossFrom: VerticalRole = job.algorithm === 'hetero-lr' ? 'arbiter' : 'guest';
      // FTL's accuracy is on the host's own rows, which only the host scores.
      const accuracyFrom: VerticalRole = job.algorithm === 'ftl' ? 'host' : 'guest';
      let used = false;
      if (role === lossFrom && finite(r.loss)) (entry.loss = r.loss, used = true);
      if (role === accuracyFrom && finite(r.accuracy) && r.accuracy >= 0 && r.accuracy <= 1) (entry.accuracy = r.accuracy, used = true);
      if (!used) throw new FlotillaError(ErrorCodes.SCHEMA_VIOLATION, `epoch reports carry the ${lossFrom}’s loss or the ${accuracyFrom}’s accuracy`);
    } else {
      throw new FlotillaError(ErrorCodes.SCHEMA_VIOLATION, `not a report a ${role} sends`);
    }
  }
}
