// Hetero LR training configuration shared by all parties, and the batch schedule they derive from it.
import { VerticalError } from '../VerticalError.ts';

/** What every party of a hetero LR run agrees on before the first step. */
export interface HeteroLrConfig {
  /** Number of aligned rows (the PSI intersection size). */
  rows: number;
  /** Rows per step; the last batch of an epoch may be shorter. Default 64. */
  batchSize?: number;
  /** SGD step size. Default 0.15. */
  learningRate?: number;
  /** L2 penalty on the weights (not on the guest's intercept). Default 0. */
  l2?: number;
}

/** A config with every default filled in. */
export type ResolvedHeteroLrConfig = Required<HeteroLrConfig>;

/** Fills defaults and checks ranges (VFL_BAD_PARAMETER). @example resolveHeteroLrConfig({ rows: 1000 }) */
export function resolveHeteroLrConfig(config: HeteroLrConfig): ResolvedHeteroLrConfig {
  const resolved = { batchSize: 64, learningRate: 0.15, l2: 0, ...config };
  if (!Number.isInteger(resolved.rows) || resolved.rows < 1) throw new VerticalError('VFL_BAD_PARAMETER', 'rows must be a positive integer');
  if (!Number.isInteger(resolved.batchSize) || resolved.batchSize < 1) throw new VerticalError('VFL_BAD_PARAMETER', 'batchSize must be a positive integer');
  if (!(resolved.learningRate > 0) || !(resolved.l2 >= 0)) throw new VerticalError('VFL_BAD_PARAMETER', 'learningRate must be > 0 and l2 ≥ 0');
  return resolved;
}

/** Steps in one pass over the rows. */
export function stepsPerEpoch(config: ResolvedHeteroLrConfig): number {
  return Math.ceil(config.rows / config.batchSize);
}

/**
 * Rows [start, end) of the aligned order that step `step` trains on: batches in order, epoch
 * after epoch. The aligned order is already a pseudo-random one (sorted by double-blinded PSI keys).
 * @example batchOfStep(3, config) // { start: 192, end: 256 } with batchSize 64 and enough rows
 */
export function batchOfStep(step: number, config: ResolvedHeteroLrConfig): { start: number; end: number } {
  const b = step % stepsPerEpoch(config);
  const start = b * config.batchSize;
  return { start, end: Math.min(config.rows, start + config.batchSize) };
}
