// Settings of hetero federated transfer learning (FTL) and their defaults.
import { VerticalError } from '../VerticalError.ts';

/** What both FTL parties agree on (the guest fixes it and sends it to the host). */
export interface FtlConfig {
  /** Width d of the common representation space. Default 8. */
  dim?: number;
  /** Hidden units of each party's representation network. Default 16. */
  hidden?: number;
  /** Overlap rows per step. Default 64. */
  batchSize?: number;
  /** SGD step (momentum 0.9) of both networks. Default 0.3. */
  learningRate?: number;
  /** Weight γ of the alignment term γ‖u_A − u_B‖². Default 0.01. */
  gamma?: number;
  /** Seed of the networks' initial weights (each party adds its own offset). Default 1. */
  seed?: number;
}

/** {@link FtlConfig} with every default filled in. */
export type ResolvedFtlConfig = Required<FtlConfig>;

/**
 * Fills in defaults and checks ranges (VFL_BAD_PARAMETER naming the field).
 * @example resolveFtlConfig({ dim: 4 }).hidden // 16
 */
export function resolveFtlConfig(config: FtlConfig = {}): ResolvedFtlConfig {
  const resolved: ResolvedFtlConfig = {
    dim: config.dim ?? 8,
    hidden: config.hidden ?? 16,
    batchSize: config.batchSize ?? 64,
    learningRate: config.learningRate ?? 0.3,
    gamma: config.gamma ?? 0.01,
    seed: config.seed ?? 1,
  };
  const integer = (name: keyof ResolvedFtlConfig, max: number): void => {
    const v = resolved[name];
    if (!Number.isInteger(v) || v < 1 || v > max) throw new VerticalError('VFL_BAD_PARAMETER', `${name} must be an integer in [1, ${max}]`);
  };
  integer('dim', 64);
  integer('hidden', 256);
  integer('batchSize', 4096);
  if (!Number.isInteger(resolved.seed)) throw new VerticalError('VFL_BAD_PARAMETER', 'seed must be an integer');
  if (!(resolved.learningRate > 0 && resolved.learningRate <= 100)) throw new VerticalError('VFL_BAD_PARAMETER', 'learningRate must be in (0, 100]');
  if (!(resolved.gamma >= 0 && resolved.gamma <= 100)) throw new VerticalError('VFL_BAD_PARAMETER', 'gamma must be in [0, 100]');
  return resolved;
}

/**
 * Overlap rows of step `step` (batches in the aligned order, the last one shorter).
 * @example ftlBatch(2, 150, 64) // { from: 128, to: 150 }
 */
export function ftlBatch(step: number, rows: number, batchSize: number): { from: number; to: number } {
  const perEpoch = Math.ceil(rows / batchSize);
  const from = (step % perEpoch) * batchSize;
  return { from, to: Math.min(rows, from + batchSize) };
}
