// SecAgg parameters: defaults, validation, and the SecAgg+ neighbourhood graph from a public seed.
import { PrivacyError } from '../PrivacyError.ts';
import { randomBytes, utf8 } from '../bytes.ts';
import { prgExpandSync } from '../crypto/prg.ts';
import type { SecAggMode, SecAggParams } from './types.ts';

/**
 * Neighbourhood size for SecAgg+: k = 2⌈log2 n⌉ (even, O(log n) as in Bell et al. 2020 §3); when
 * k ≥ n − 1 the graph is complete and SecAgg+ degenerates to SecAgg.
 * @example defaultNeighbours(100) // 14
 */
export function defaultNeighbours(clients: number): number {
  return 2 * Math.ceil(Math.log2(Math.max(2, clients)));
}

/**
 * Default Shamir threshold: a strict majority of the holders, ⌊h/2⌋ + 1, so up to about half of
 * them may drop out, while the server together with fewer than t colluding clients learns nothing
 * beyond the sum (Bonawitz et al. 2017, Thm. 6.2–6.3).
 * @example defaultThreshold(100) // 51
 */
export function defaultThreshold(holders: number): number {
  return Math.floor(holders / 2) + 1;
}

/**
 * Builds parameters with defaults: threshold from `defaultThreshold`, neighbours from
 * `defaultNeighbours`, a random session id.
 * @example const params = secAggParams({ clients: 100, vectorLength: 199_211, mode: 'plus' });
 */
export function secAggParams(options: {
  clients: number;
  vectorLength: number;
  mode?: 'full' | 'plus';
  neighbours?: number;
  threshold?: number;
  sessionId?: Uint8Array | string;
}): SecAggParams {
  const { clients, vectorLength } = options;
  const mode: SecAggMode =
    options.mode === 'plus'
      ? { kind: 'plus', neighbours: options.neighbours ?? defaultNeighbours(clients) }
      : { kind: 'full' };
  const holders = mode.kind === 'plus' ? Math.min(clients, mode.neighbours + 1) : clients;
  const sessionId =
    typeof options.sessionId === 'string' ? utf8(options.sessionId) : (options.sessionId ?? randomBytes(16));
  const params = { vectorLength, threshold: options.threshold ?? defaultThreshold(holders), mode, sessionId };
  validateParams(params);
  return params;
}

/**
 * Throws SECAGG_BAD_CONFIG for parameters no round could use.
 * @example validateParams(paramsFromTrainingPlan);
 */
export function validateParams(params: SecAggParams): void {
  const bad = (msg: string): never => {
    throw new PrivacyError('SECAGG_BAD_CONFIG', msg);
  };
  if (!Number.isInteger(params.vectorLength) || params.vectorLength < 1) bad('vectorLength must be a positive integer');
  if (!Number.isInteger(params.threshold) || params.threshold < 2) bad('threshold must be an integer ≥ 2');
  if (params.mode.kind === 'plus') {
    const k = params.mode.neighbours;
    if (!Number.isInteger(k) || k < 2 || k % 2 !== 0) bad('SecAgg+ neighbours must be an even integer ≥ 2');
    if (params.threshold > k + 1) bad(`threshold ${params.threshold} exceeds the ${k + 1} holders of a neighbourhood`);
  }
}

/**
 * SecAgg+ communication graph: a random Harary graph H(k, n) — participants placed on a cycle in
 * a uniformly random order drawn from `seed` (AES-CTR, rejection-sampled Fisher–Yates), each
 * joined to the k/2 nearest on either side (Bell et al., CCS 2020, §3.2). Symmetric and
 * k-regular; the complete graph when k ≥ n − 1. Anyone holding the public seed gets the same graph.
 * @example const graph = secAggPlusGraph([1, 2, 3, 4, 5, 6], 2, seed); graph.get(1)!.length === 2;
 */
export function secAggPlusGraph(
  participants: readonly number[],
  neighbours: number,
  seed: Uint8Array,
): Map<number, number[]> {
  const ids = [...participants].sort((a, b) => a - b);
  const n = ids.length;
  const graph = new Map<number, number[]>();
  if (neighbours >= n - 1) {
    for (const id of ids) graph.set(id, ids.filter((v) => v !== id));
    return graph;
  }
  const order = permutation(n, seed).map((i) => ids[i]!);
  const half = neighbours / 2;
  for (let i = 0; i < n; i++) {
    const adjacent: number[] = [];
    for (let d = 1; d <= half; d++) adjacent.push(order[(i + d) % n]!, order[(i - d + n) % n]!);
    graph.set(order[i]!, adjacent.sort((a, b) => a - b));
  }
  return graph;
}

/**
 * The ids that hold shares of `id`'s secrets and with whom it exchanges pairwise masks,
 * `id` itself included (it keeps its own share).
 */
export function holdersOf(id: number, participants: readonly number[], graph: Map<number, number[]> | null): number[] {
  if (!graph) return [...participants].sort((a, b) => a - b);
  const adjacent = graph.get(id);
  if (!adjacent) throw new PrivacyError('SECAGG_BAD_MESSAGE', `client ${id} is not in the graph`);
  return [...adjacent, id].sort((a, b) => a - b);
}

function permutation(n: number, seed: Uint8Array): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let words = prgExpandSync(seed, 2 * n + 16);
  let next = 0;
  const draw = (): number => {
    if (next === words.length) words = prgExpandSync(seed, 2 * words.length).subarray(0);
    return words[next++]!;
  };
  for (let i = n - 1; i > 0; i--) {
    const range = i + 1;
    const limit = Math.floor(2 ** 32 / range) * range;
    let w = draw();
    while (w >= limit) w = draw();
    const j = w % range;
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
