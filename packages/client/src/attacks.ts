// The Byzantine attacks a simulated fleet can mount, as one registry both fleets (Node and
// browser) and the robustness benchmark use: what each does to a client's labels or update.

import { createRng, shuffleInPlace } from '@flotilla/core';
import type { LabelArray } from '@flotilla/models';
import type { EvaluationMetrics } from '@flotilla/protocol';
import type { EvaluateJob, Trainer, TrainJob, TrainOutcome } from './types.ts';

/** What an attack tampers with: the labels it trains on, or the update it sends. */
export type AttackTarget = 'labels' | 'update';

/** Parameters of an attack; each takes only the ones its entry lists. */
export interface AttackParams {
  /** `scale`: the update is multiplied by this. */
  factor: number;
  /** `gaussian`: standard deviation of the noise sent instead of the update. */
  std: number;
}

interface AttackEntry {
  description: string;
  target: AttackTarget;
  params: readonly (keyof AttackParams)[];
}

/**
 * The attacks (as in Karimireddy et al. 2021 and Baruch et al. 2019's evaluations):
 * - signflip: sends −Δ, the honest update reversed.
 * - scale: sends factor·Δ (boosting, Bagdasaryan et al. 2020); default ×10.
 * - gaussian: sends N(0, std²) per coordinate instead of Δ; default std 1.
 * - labelflip: trains honestly on flipped labels y → C − 1 − y (data poisoning).
 * - labelshuffle: trains honestly on its labels permuted at random among its examples, the same
 *   permutation every round (a noisy-label client: its labels say nothing about its features).
 */
export const ATTACKS = {
  signflip: { description: 'sends the update reversed, −Δ', target: 'update', params: [] },
  scale: { description: 'sends factor·Δ (default factor 10)', target: 'update', params: ['factor'] },
  gaussian: { description: 'sends Gaussian noise N(0, std²) instead of Δ (default std 1)', target: 'update', params: ['std'] },
  labelflip: { description: 'trains on flipped labels y → 9 − y', target: 'labels', params: [] },
  labelshuffle: { description: 'trains on its labels shuffled among its examples (noisy labels)', target: 'labels', params: [] },
} as const satisfies Record<string, AttackEntry>;

export type AttackName = keyof typeof ATTACKS;

export const ATTACK_NAMES = Object.keys(ATTACKS) as AttackName[];

export const DEFAULT_ATTACK_PARAMS: Readonly<AttackParams> = Object.freeze({ factor: 10, std: 1 });

/** One attack with its parameters filled in. */
export interface Attack {
  name: AttackName;
  params: AttackParams;
}

export function isAttackName(name: string): name is AttackName {
  return Object.hasOwn(ATTACKS, name);
}

/**
 * An attack by name, parameters defaulted; throws a RangeError naming the choices otherwise.
 * @example const attack = resolveAttack('scale', { factor: -4 });
 */
export function resolveAttack(name: string, params: Partial<AttackParams> = {}): Attack {
  if (!isAttackName(name)) throw new RangeError(`unknown attack '${name}', expected ${ATTACK_NAMES.join(' | ')}`);
  const resolved = { ...DEFAULT_ATTACK_PARAMS, ...params };
  if (!Number.isFinite(resolved.factor)) throw new RangeError(`attack factor must be finite, got ${resolved.factor}`);
  if (!(resolved.std > 0) || !Number.isFinite(resolved.std)) throw new RangeError(`attack std must be positive, got ${resolved.std}`);
  return { name, params: resolved };
}

/**
 * Parses the CLI and URL form of an attack: `NAME`, or `NAME:VALUE` for an attack with one
 * parameter (`scale:-4` sets the factor, `gaussian:0.5` the std). Throws a RangeError otherwise.
 * @example parseAttack('scale:5'); // { name: 'scale', params: { factor: 5, std: 1 } }
 */
export function parseAttack(text: string): Attack {
  const colon = text.indexOf(':');
  const name = (colon === -1 ? text : text.slice(0, colon)).trim();
  if (!isAttackName(name)) throw new RangeError(`unknown attack '${name}', expected ${ATTACK_NAMES.join(' | ')}`);
  if (colon === -1) return resolveAttack(name);
  const param = ATTACKS[name].params[0] as keyof AttackParams | undefined;
  const raw = text.slice(colon + 1).trim();
  const value = Number(raw);
  if (param === undefined) throw new RangeError(`attack '${name}' takes no parameter, got '${text}'`);
  if (raw === '' || !Number.isFinite(value)) throw new RangeError(`'${raw}' in '${text}' is not a number`);
  return resolveAttack(name, { [param]: value });
}

/**
 * Which of `count` clients attack: ⌊fraction·count⌉ of them, chosen by `seed`, in ascending order.
 * @example byzantineClients(10, 0.2, 7); // e.g. [3, 8]
 */
export function byzantineClients(count: number, fraction: number, seed: number): number[] {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`the Byzantine fraction must be in [0, 1], got ${fraction}`);
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  shuffleInPlace(order, createRng((seed ^ 0x5bd1e995) >>> 0));
  return Array.from(order.subarray(0, Math.round(fraction * count))).sort((a, b) => a - b);
}

/**
 * The labels a `labels` attack trains on (a copy); other attacks return them as they are.
 * `labelshuffle` permutes them with `seed`, by default one drawn from the labels themselves, so a
 * client shuffles its own labels the same way every round and two clients shuffle differently.
 * @example poisonLabels(resolveAttack('labelshuffle'), Uint8Array.of(0, 1, 2, 3)); // e.g. [2, 0, 3, 1]
 */
export function poisonLabels<L extends LabelArray>(attack: Attack, labels: L, numClasses = 10, seed = labelsSeed(labels)): L {
  if (ATTACKS[attack.name].target !== 'labels') return labels;
  if (attack.name === 'labelshuffle') return shuffleInPlace(labels.slice() as L, createRng(seed >>> 0));
  return (labels as Uint8Array).map((y) => numClasses - 1 - y) as L;
}

/** FNV-1a over the labels: a seed that differs between clients' data and stays put across rounds. */
function labelsSeed(labels: LabelArray): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < labels.length; i++) h = Math.imul(h ^ (Math.round(labels[i]! * 1000) | 0), 0x01000193);
  return h >>> 0;
}

/** The update an `update` attack sends instead of `update` (a new array); others return it as it is. */
export function poisonUpdate(attack: Attack, update: Float32Array, seed: number): Float32Array {
  switch (attack.name) {
    case 'signflip':
      return update.map((x) => -x);
    case 'scale':
      return update.map((x) => attack.params.factor * x);
    case 'gaussian': {
      const rng = createRng(seed >>> 0);
      const out = new Float32Array(update.length);
      // Box–Muller; 1 − u keeps the logarithm's argument in (0, 1].
      for (let i = 0; i < out.length; i++) {
        out[i] = attack.params.std * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
      }
      return out;
    }
    case 'labelflip':
    case 'labelshuffle':
      return update;
    default: {
      const never: never = attack.name;
      throw new RangeError(`unknown attack ${String(never)}`);
    }
  }
}

/**
 * A trainer that attacks: it trains with the inner trainer (on poisoned labels for `labelflip`)
 * and poisons the update it hands back. The example count stays the honest one, so only the
 * update's direction and size carry the attack.
 * @example const trainer = new ByzantineTrainer(new TfjsTrainer(info), resolveAttack('signflip'));
 */
export class ByzantineTrainer implements Trainer {
  constructor(private readonly inner: Trainer, readonly attack: Attack) {}

  device() {
    return this.inner.device();
  }

  async train(job: TrainJob): Promise<TrainOutcome> {
    const data = { ...job.data, labels: poisonLabels(this.attack, job.data.labels) };
    const outcome = await this.inner.train({ ...job, data });
    return { ...outcome, update: poisonUpdate(this.attack, outcome.update, job.plan.seed) };
  }

  /** Evaluates honestly: the attack is on training, and a lying evaluation would only blur the fairness view. */
  evaluate(job: EvaluateJob): Promise<EvaluationMetrics> {
    if (!this.inner.evaluate) return Promise.reject(new Error('the inner trainer does not evaluate'));
    return this.inner.evaluate(job);
  }
}
