// A whole FTL run for the guest or the host over a VerticalChannel: PSI alignment, keys, encrypted training epochs, scoring of the host's own rows.
import { generatePaillierKeyPair } from '@flotilla/privacy';
import type { PaillierWorkerPool } from '@flotilla/privacy';
import type { VerticalPartyTable } from '@flotilla/data';
import { VerticalError } from '../VerticalError.ts';
import { FtlGuest } from '../ftl/FtlGuest.ts';
import { FtlHost, peerKeyFrom } from '../ftl/FtlHost.ts';
import { standardizedTable } from '../ftl/standardize.ts';
import { scoreAccuracy } from '../ftl/PlainFtl.ts';
import type { VerticalChannel } from './channel.ts';
import type { HeteroLrJobSettings } from './heteroLrParty.ts';
import { alignedRows } from './heteroLrParty.ts';
import { alignWithGuest, alignWithHosts } from './hostAlignment.ts';

/** Settings of an FTL job: the shared schedule plus the common space's width and the alignment weight. */
export interface FtlJobSettings extends HeteroLrJobSettings {
  /** Width d of the common representation space (default 8). */
  dim?: number;
  /** Weight γ of the alignment term (default 0.01). */
  gamma?: number;
}

/** Each party's Paillier modulus when the job sets none: 1024 bits, as FATE's FTL defaults to. */
export const FTL_DEFAULT_KEY_BITS = 1024;

/** The most host rows one scoring may carry. */
const MAX_SCORED_ROWS = 100_000;

/** Options of an FTL party: decryptions on a worker pool. */
export interface FtlPartyOptions {
  workers?: PaillierWorkerPool;
}

const configOf = (settings: FtlJobSettings) => ({
  ...(settings.dim === undefined ? {} : { dim: settings.dim }),
  ...(settings.gamma === undefined ? {} : { gamma: settings.gamma }),
  ...(settings.batchSize === undefined ? {} : { batchSize: settings.batchSize }),
  ...(settings.learningRate === undefined ? {} : { learningRate: settings.learningRate }),
});

/**
 * The guest (labels 0/1 on its own rows): aligns with the host, trains both representation
 * networks' exchange, after each epoch lets the host score its own rows through [[Φ_A]], and
 * reports each epoch's mean loss. Returns the losses.
 * @example await runFtlGuest(channel, guestTable, { epochs: 3, keyBits: 1024 });
 */
export async function runFtlGuest(channel: VerticalChannel, table: VerticalPartyTable, settings: FtlJobSettings, options: FtlPartyOptions = {}): Promise<number[]> {
  if (!table.labels) throw new VerticalError('VFL_BAD_PARAMETER', 'the guest needs labels');
  if ((table.classes ?? 2) !== 2 || table.labels.some((y) => y > 1)) throw new VerticalError('VFL_BAD_PARAMETER', 'FTL predicts two classes: labels must be 0 or 1');
  const data = standardizedTable(table);
  const result = await alignWithHosts(channel, ['host'], data.ids);
  channel.report({ kind: 'intersection', size: result.size });
  if (result.size === 0) throw new VerticalError('VFL_BAD_PARAMETER', 'the guest and the host share no row: nothing to transfer through');
  const rowOf = new Map(data.ids.map((id, i) => [id, i]));
  const overlapRows = result.ids.map((id) => rowOf.get(id)!);
  const keys = await generatePaillierKeyPair({ bits: settings.keyBits ?? FTL_DEFAULT_KEY_BITS });
  const guest = new FtlGuest(data.features, data.labels!, data.featureCount, overlapRows, configOf(settings), keys, options.workers);
  channel.send('host', guest.setup(settings.epochs));
  guest.receiveHostKey(peerKeyFrom((await channel.receive('host', 'ftl.host-key')).key));
  const perEpoch = guest.stepsPerEpoch;
  const losses: number[] = [];
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    let loss = 0;
    for (let s = 0; s < perEpoch; s++) {
      channel.send('host', guest.components());
      channel.send('host', guest.maskedGradient(await channel.receive('host', 'ftl.host-components')));
      channel.send('host', await guest.decryptForHost(await channel.receive('host', 'ftl.masked-gradient')));
      loss += guest.finish(await channel.receive('host', 'ftl.decrypted-gradient'));
      channel.report({ kind: 'step', step: guest.step, steps: perEpoch * settings.epochs });
    }
    const session = `epoch-${epoch}`;
    channel.send('host', guest.predictor(session));
    const masked = await channel.receive('host', 'ftl.masked-scores');
    const rows = Array.isArray(masked.values) ? masked.values.length : -1;
    if (rows < 0 || rows > MAX_SCORED_ROWS) throw new VerticalError('VFL_MALFORMED', `masked scores must be an array of at most ${MAX_SCORED_ROWS}`);
    channel.send('host', await guest.decryptScores(masked, session, rows));
    losses.push(loss / perEpoch);
    channel.report({ kind: 'epoch', epoch, loss: losses.at(-1)! });
  }
  return losses;
}

/** What the host ends with: a score per row it had outside the overlap (> 0 ⇒ label 1), and per-epoch accuracy where it knows the truth. */
export interface FtlHostResult {
  ids: string[];
  scores: Float64Array;
  accuracies: number[];
}

/**
 * The host: aligns with the guest, trains its network on its overlap rows, and after each epoch
 * scores its rows outside the overlap (a simulation: its test rows, with their true labels, so it
 * reports accuracy). Returns the last scores.
 * @example const { ids, scores } = await runFtlHost(channel, hostTable, { epochs: 3 });
 */
export async function runFtlHost(channel: VerticalChannel, table: VerticalPartyTable, settings: FtlJobSettings, options: FtlPartyOptions = {}): Promise<FtlHostResult> {
  const data = standardizedTable(table);
  const result = await alignWithGuest(channel, 1, data.ids);
  const overlap = alignedRows(data, result);
  const inOverlap = new Set(result.ids);
  const d = data.featureCount;
  // A simulation's test rows are its rows outside the overlap, with the truth; an own table scores those rows.
  const outside = data.ids.flatMap((id, r) => (inOverlap.has(id) ? [] : [r]));
  const scored = data.testFeatures
    ? { ids: outside.map((r) => data.ids[r]!), features: data.testFeatures }
    : { ids: outside.map((r) => data.ids[r]!), features: Float32Array.from(outside.flatMap((r) => Array.from(data.features.subarray(r * d, (r + 1) * d)))) };
  const keys = await generatePaillierKeyPair({ bits: settings.keyBits ?? FTL_DEFAULT_KEY_BITS });
  const host = new FtlHost(overlap.features, d, keys, options.workers);
  const { epochs } = host.receiveSetup(await channel.receive('guest', 'ftl.setup'));
  if (epochs !== settings.epochs) throw new VerticalError('VFL_MALFORMED', `the guest plans ${epochs} epochs, the job ${settings.epochs}`);
  channel.send('guest', host.keyMessage());
  const perEpoch = Math.ceil(host.overlapRows / host.config.batchSize);
  const accuracies: number[] = [];
  let scores: Float64Array = new Float64Array(0);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let s = 0; s < perEpoch; s++) {
      channel.send('guest', host.components());
      channel.send('guest', host.maskedGradient(await channel.receive('guest', 'ftl.guest-components')));
      channel.send('guest', await host.decryptForGuest(await channel.receive('guest', 'ftl.masked-gradient')));
      host.finish(await channel.receive('guest', 'ftl.decrypted-gradient'));
    }
    channel.send('guest', host.maskedScores(await channel.receive('guest', 'ftl.predictor'), scored.features));
    scores = host.scores(await channel.receive('guest', 'ftl.decrypted-scores'));
    if (data.testLabels) {
      accuracies.push(scoreAccuracy(scores, data.testLabels));
      channel.report({ kind: 'epoch', epoch, accuracy: accuracies.at(-1)! });
    }
  }
  return { ids: scored.ids, scores, accuracies };
}
