// A whole hetero LR run for one role over a VerticalChannel: PSI alignment, then training epochs.
import { fromHex, toHex } from '../psi/bytes.ts';
import { PsiParty } from '../psi/PsiParty.ts';
import type { PsiResult } from '../psi/PsiParty.ts';
import { VerticalError } from '../VerticalError.ts';
import { stepsPerEpoch } from '../heteroLr/config.ts';
import { HeteroLrArbiter } from '../heteroLr/HeteroLrArbiter.ts';
import { HeteroLrGuest } from '../heteroLr/HeteroLrGuest.ts';
import { HeteroLrHost } from '../heteroLr/HeteroLrHost.ts';
import { binaryAccuracy } from '../heteroLr/taylor.ts';
import { hostRoles } from '../roles.ts';
import type { HostRole } from '../roles.ts';
import type { VerticalChannel } from './channel.ts';
import type { PaillierWorkerPool } from '@flotilla/privacy';
import { alignWithGuest, alignWithHosts } from './hostAlignment.ts';
import { trainAndValidation } from './validation.ts';
import type { VerticalPartyTable } from '@flotilla/data';

/** Training settings of a hetero LR job (the coordinator hands them to every party). */
export interface HeteroLrJobSettings {
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  l2?: number;
  /** Paillier modulus of the arbiter: 2048 by default. */
  keyBits?: number;
  /** Hosts of the job (`host`, `host-2`, …): 1 by default, at most 4. */
  hosts?: number;
  /** Own-data jobs: share of the aligned rows held out for validation (see trainAndValidation); absent for a simulation. */
  validationFraction?: number;
}

interface Setup {
  type: 'hetero-lr.setup';
  rows: number;
  weights: number;
}

/** Own rows in the order of the intersection. */
export function alignedRows(data: VerticalPartyTable, result: Pick<PsiResult, 'ids' | 'size'>): { features: Float32Array; labels?: Uint8Array } {
  const rowOf = new Map(data.ids.map((id, i) => [id, i]));
  const d = data.featureCount;
  const features = new Float32Array(result.size * d);
  const labels = data.labels ? new Uint8Array(result.size) : undefined;
  result.ids.forEach((id, k) => {
    const row = rowOf.get(id)!;
    features.set(data.features.subarray(row * d, (row + 1) * d), k * d);
    if (labels) labels[k] = data.labels![row]!;
  });
  return labels ? { features, labels } : { features };
}

/** Hex of a peer's PSI records; VFL_MALFORMED unless it is lowercase hex. */
function pointsFrom(message: Record<string, unknown>): Uint8Array {
  const hex = message.points;
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) throw new VerticalError('VFL_MALFORMED', 'points must be lowercase hex');
  return fromHex(hex);
}

/** Two-party PSI over the channel, points as hex. */
export async function align(channel: VerticalChannel, peer: string, ids: string[]): Promise<PsiResult> {
  const psi = new PsiParty(ids);
  const blinded = await psi.blind();
  channel.send(peer, { type: 'psi.blinded', count: blinded.count, points: toHex(blinded.points) });
  const theirs = await channel.receive(peer, 'psi.blinded');
  const reply = await psi.reblind({ type: 'psi.blinded', count: theirs.count as number, points: pointsFrom(theirs) });
  channel.send(peer, { type: 'psi.reblinded', count: reply.count, points: toHex(reply.points) });
  const back = await channel.receive(peer, 'psi.reblinded');
  return psi.intersect({ type: 'psi.reblinded', count: back.count as number, points: pointsFrom(back) });
}

/**
 * Runs the guest (label holder): aligns with every host, trains, and after each epoch scores the
 * test (or validation) rows with the hosts' prediction scores; reports intersection size and accuracy.
 * @example await runHeteroLrGuest(channel, guestData, { epochs: 2 });
 */
export async function runHeteroLrGuest(channel: VerticalChannel, data: VerticalPartyTable, settings: HeteroLrJobSettings, options: HeteroLrPartyOptions = {}): Promise<number[]> {
  if (!data.labels) throw new VerticalError('VFL_BAD_PARAMETER', 'the guest needs labels');
  const hosts = hostRoles(settings.hosts);
  const result = await alignWithHosts(channel, hosts, data.ids);
  channel.report({ kind: 'intersection', size: result.size });
  const { train: rows, validation } = trainAndValidation(data, alignedRows(data, result), settings.validationFraction);
  const guest = new HeteroLrGuest(rows.features, data.featureCount, rows.labels!, { rows: rows.rows, ...trainingConfig(settings) });
  channel.send('arbiter', { type: 'hetero-lr.setup', rows: rows.rows, weights: data.featureCount + 1 } satisfies Setup);
  guest.receivePublicKey(await channel.receive('arbiter', 'hetero-lr.public-key'));
  const perEpoch = stepsPerEpoch(guest.config);
  const perEpochFactors = perEpoch * (guest.config.batchSize + data.featureCount + 2);
  const accuracies: number[] = [];
  const fromHosts = (type: string, from = hosts): Promise<Record<string, unknown>[]> => Promise.all(from.map((h) => channel.receive(h, type)));
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    fillInBackground(guest, options, perEpochFactors);
    for (let b = 0; b < perEpoch; b++) {
      const scores = await fromHosts('hetero-lr.host-scores');
      const crossTerms = await fromHosts('hetero-lr.cross-terms', hosts.slice(1));
      const { toHost, toArbiter } = guest.residuals(scores, crossTerms);
      for (const h of hosts) channel.send(h, toHost);
      channel.send('arbiter', toArbiter);
      channel.send('arbiter', guest.gradient());
      guest.applyGradient(await channel.receive('arbiter', 'hetero-lr.decrypted-gradient'));
      channel.report({ kind: 'step', step: guest.step, steps: perEpoch * settings.epochs });
    }
    const probabilities = guest.predict(await fromHosts('hetero-lr.host-prediction'), validation.features);
    accuracies.push(binaryAccuracy(probabilities, validation.labels!));
    channel.report({ kind: 'epoch', epoch, accuracy: accuracies.at(-1)! });
  }
  return accuracies;
}

/**
 * Runs a host (`role` among the job's hosts): aligns with the guest, trains its own weights,
 * scores the test (or validation) rows after each epoch. With several hosts it also sends its
 * encrypted scores to the later hosts and, from the second host on, its cross terms to the guest.
 */
export async function runHeteroLrHost(channel: VerticalChannel, data: VerticalPartyTable, settings: HeteroLrJobSettings, role: HostRole = 'host', options: HeteroLrPartyOptions = {}): Promise<Float64Array> {
  const hosts = hostRoles(settings.hosts);
  const index = hosts.indexOf(role);
  if (index < 0) throw new VerticalError('VFL_BAD_PARAMETER', `${role} is not a host of this job (${hosts.join(', ')})`);
  const result = await alignWithGuest(channel, hosts.length, data.ids);
  const { train: rows, validation } = trainAndValidation(data, alignedRows(data, result), settings.validationFraction);
  const host = new HeteroLrHost(rows.features, data.featureCount, { rows: rows.rows, ...trainingConfig(settings) }, role);
  channel.send('arbiter', { type: 'hetero-lr.setup', rows: rows.rows, weights: data.featureCount } satisfies Setup);
  host.receivePublicKey(await channel.receive('arbiter', 'hetero-lr.public-key'));
  const perEpoch = stepsPerEpoch(host.config);
  const perEpochFactors = perEpoch * (2 * host.config.batchSize + data.featureCount + 1);
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    fillInBackground(host, options, perEpochFactors);
    for (let b = 0; b < perEpoch; b++) {
      const scores = host.scores();
      channel.send('guest', scores);
      for (const later of hosts.slice(index + 1)) channel.send(later, scores);
      if (index > 0) {
        const earlier = await Promise.all(hosts.slice(0, index).map((h) => channel.receive(h, 'hetero-lr.host-scores')));
        channel.send('guest', host.crossTerms(earlier));
      }
      channel.send('arbiter', host.gradient(await channel.receive('guest', 'hetero-lr.residuals')));
      host.applyGradient(await channel.receive('arbiter', 'hetero-lr.decrypted-gradient'));
    }
    channel.send('guest', host.predictionScores(validation.features));
  }
  return host.weights;
}

/** Where a party's Paillier work may run besides its own thread. */
export interface HeteroLrPartyOptions {
  /**
   * Worker threads or Web Workers: a guest or host fills its r^n pool there in the background as
   * training starts (so most encryptions are one multiplication), the arbiter decrypts there.
   */
  workers?: PaillierWorkerPool;
}

/**
 * Queues one epoch's randomness on the workers (called as each epoch starts, so the queue stays
 * about an epoch ahead). A fill that fails or comes late only means encryptions compute their own factor.
 */
function fillInBackground(party: HeteroLrGuest | HeteroLrHost, options: HeteroLrPartyOptions, factors: number): void {
  if (options.workers) party.precomputeOn(options.workers, factors).catch(() => undefined);
}

/** Runs the arbiter: keys, then per step the loss and every party's masked gradient; reports the mean loss per epoch. */
export async function runHeteroLrArbiter(channel: VerticalChannel, settings: HeteroLrJobSettings, options: HeteroLrPartyOptions = {}): Promise<number[]> {
  const parties = ['guest', ...hostRoles(settings.hosts)] as const;
  const setups = await Promise.all(parties.map((p) => channel.receive(p, 'hetero-lr.setup')));
  const rows = setups[0]!.rows;
  if (typeof rows !== 'number' || setups.some((s) => s.rows !== rows) || !Number.isInteger(rows) || rows < 1) {
    throw new VerticalError('VFL_MALFORMED', 'guest and hosts must agree on a positive row count');
  }
  for (const { weights: w } of setups) {
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > 1_000_000) throw new VerticalError('VFL_MALFORMED', 'weights must be a positive integer');
  }
  const arbiter = await HeteroLrArbiter.create({
    ...(settings.keyBits === undefined ? {} : { bits: settings.keyBits }),
    gradientLengths: Object.fromEntries(parties.map((p, i) => [p, setups[i]!.weights as number])),
  });
  const keyMessage = arbiter.publicKeyMessage();
  for (const p of parties) channel.send(p, keyMessage);
  const perEpoch = Math.ceil(rows / (settings.batchSize ?? 64));
  const losses: number[] = [];
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    let sum = 0;
    for (let b = 0; b < perEpoch; b++) {
      sum += arbiter.decryptLoss(await channel.receive('guest', 'hetero-lr.encrypted-loss'));
      for (const p of [...parties.slice(1), 'guest' as const]) {
        const m = await channel.receive(p, 'hetero-lr.masked-gradient');
        // Each party may only have its own gradient decrypted, never another party's slot.
        if (m.party !== p) throw new VerticalError('VFL_MALFORMED', `the ${p} sent a gradient for ${String(m.party)}`);
        channel.send(p, options.workers ? await arbiter.decryptGradientOn(options.workers, m) : arbiter.decryptGradient(m));
      }
    }
    losses.push(sum / perEpoch);
    channel.report({ kind: 'epoch', epoch, loss: losses.at(-1)! });
  }
  return losses;
}

function trainingConfig(s: HeteroLrJobSettings): { batchSize?: number; learningRate?: number; l2?: number } {
  return {
    ...(s.batchSize === undefined ? {} : { batchSize: s.batchSize }),
    ...(s.learningRate === undefined ? {} : { learningRate: s.learningRate }),
    ...(s.l2 === undefined ? {} : { l2: s.l2 }),
  };
}
