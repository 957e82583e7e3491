// A whole split NN run for one role over a VerticalChannel: PSI alignment, then masked training epochs.
import { VerticalError } from '../VerticalError.ts';
import { SplitNnArbiter } from '../splitNn/SplitNnArbiter.ts';
import { SplitNnGuest } from '../splitNn/SplitNnGuest.ts';
import { SplitNnHost } from '../splitNn/SplitNnHost.ts';
import type { SplitNnConfig } from '../splitNn/model.ts';
import type { VerticalChannel } from './channel.ts';
import { align, alignedRows } from './heteroLrParty.ts';
import { trainAndValidation } from './validation.ts';
import type { VerticalPartyTable } from '@flotilla/data';

/** Training settings of a split NN job. */
export interface SplitNnJobSettings {
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  /** Own-data jobs: share of the aligned rows held out for validation; absent for a simulation. */
  validationFraction?: number;
}

/** What the guest fixes after alignment and sends to host and arbiter. */
interface ConfigMessage {
  type: 'split-nn.config';
  config: SplitNnConfig;
  testRows: number;
}

function readConfig(m: Record<string, unknown>, rows: number): ConfigMessage {
  const c = m.config as SplitNnConfig | undefined;
  if (typeof c !== 'object' || c === null || c.rows !== rows || !Number.isInteger(m.testRows) || (m.testRows as number) < 0) {
    throw new VerticalError('VFL_MALFORMED', 'split-nn.config must carry a config for our aligned rows');
  }
  return m as unknown as ConfigMessage;
}

/**
 * The guest (label holder; the table's class count, 10 by default): aligns with the host, fixes
 * the config, trains; after each epoch scores its test (or validation) rows through the masked
 * interactive layer and reports the epoch's mean training loss and accuracy.
 * @example await runSplitNnGuest(channel, guestTable, { epochs: 2 });
 */
export async function runSplitNnGuest(channel: VerticalChannel, data: VerticalPartyTable, settings: SplitNnJobSettings): Promise<number[]> {
  if (!data.labels) throw new VerticalError('VFL_BAD_PARAMETER', 'the guest needs labels');
  const result = await align(channel, 'host', data.ids);
  channel.report({ kind: 'intersection', size: result.size });
  const { train: rows, validation } = trainAndValidation(data, alignedRows(data, result), settings.validationFraction);
  const setup = await channel.receive('host', 'split-nn.setup');
  const hostFeatures = setup.hostFeatures;
  if (!Number.isInteger(hostFeatures) || (hostFeatures as number) < 1) throw new VerticalError('VFL_MALFORMED', 'hostFeatures must be a positive integer');
  const config: SplitNnConfig = {
    rows: rows.rows, guestFeatures: data.featureCount, hostFeatures: hostFeatures as number,
    ...(data.classes === undefined ? {} : { classes: data.classes }),
    ...(settings.batchSize === undefined ? {} : { batchSize: settings.batchSize }),
    ...(settings.learningRate === undefined ? {} : { learningRate: settings.learningRate }),
  };
  const testRows = validation.rows;
  const message: ConfigMessage = { type: 'split-nn.config', config, testRows };
  channel.send('host', message);
  channel.send('arbiter', message);
  const guest = new SplitNnGuest(rows.features, rows.labels!, config);
  const perEpoch = Math.ceil(rows.rows / guest.config.batchSize);
  const accuracies: number[] = [];
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    let loss = 0;
    for (let b = 0; b < perEpoch; b++) {
      guest.receiveTriples(await channel.receive('arbiter', 'split-nn.guest-triples'));
      channel.send('host', guest.trainOpen());
      const open = await channel.receive('host', 'split-nn.host-open');
      const share = await channel.receive('host', 'split-nn.host-share');
      const step = guest.trainForward(open, share);
      loss += step.loss;
      channel.send('host', step.message);
      guest.trainFinish(await channel.receive('host', 'split-nn.host-backward-share'));
      channel.report({ kind: 'step', step: guest.step, steps: perEpoch * settings.epochs });
    }
    const session = `test-${epoch}`;
    guest.receiveTriples(await channel.receive('arbiter', 'split-nn.guest-triples'));
    channel.send('host', guest.predictOpen(session));
    const predicted = guest.predict(session, validation.features, await channel.receive('host', 'split-nn.host-open'), await channel.receive('host', 'split-nn.host-share'));
    accuracies.push(predicted.reduce((acc, p, i) => acc + (p === validation.labels![i] ? 1 : 0), 0) / testRows);
    channel.report({ kind: 'epoch', epoch, loss: loss / perEpoch, accuracy: accuracies.at(-1)! });
  }
  return accuracies;
}

/** The host: aligns, trains its bottom model, opens its test (or validation) embeddings after each epoch. */
export async function runSplitNnHost(channel: VerticalChannel, data: VerticalPartyTable, settings: SplitNnJobSettings): Promise<void> {
  const result = await align(channel, 'guest', data.ids);
  const { train: rows, validation } = trainAndValidation(data, alignedRows(data, result), settings.validationFraction);
  channel.send('guest', { type: 'split-nn.setup', hostFeatures: data.featureCount });
  const { config } = readConfig(await channel.receive('guest', 'split-nn.config'), rows.rows);
  const host = new SplitNnHost(rows.features, config);
  const perEpoch = Math.ceil(rows.rows / host.config.batchSize);
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    for (let b = 0; b < perEpoch; b++) {
      host.receiveTriples(await channel.receive('arbiter', 'split-nn.host-triples'));
      channel.send('guest', host.trainOpen());
      channel.send('guest', host.trainShare(await channel.receive('guest', 'split-nn.guest-open')));
      channel.send('guest', host.trainBackward(await channel.receive('guest', 'split-nn.backward')));
    }
    const session = `test-${epoch}`;
    host.receiveTriples(await channel.receive('arbiter', 'split-nn.host-triples'));
    channel.send('guest', host.predictOpen(session, validation.features));
    channel.send('guest', host.predictShare(session, await channel.receive('guest', 'split-nn.guest-open')));
  }
}

/** The arbiter: deals the Beaver triples of every step and of each epoch's test scoring. */
export async function runSplitNnArbiter(channel: VerticalChannel, settings: SplitNnJobSettings): Promise<void> {
  const m = await channel.receive('guest', 'split-nn.config');
  const rows = (m.config as { rows?: unknown } | undefined)?.rows;
  if (!Number.isInteger(rows) || (rows as number) < 1) throw new VerticalError('VFL_MALFORMED', 'config rows must be a positive integer');
  const { config, testRows } = readConfig(m, rows as number);
  const arbiter = new SplitNnArbiter(config);
  const perEpoch = Math.ceil((rows as number) / arbiter.config.batchSize);
  let step = 0;
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    for (let b = 0; b < perEpoch; b++) {
      const t = arbiter.trainTriples(step++);
      channel.send('host', t.host);
      channel.send('guest', t.guest);
    }
    const t = arbiter.predictTriples(`test-${epoch}`, testRows);
    channel.send('host', t.host);
    channel.send('guest', t.guest);
  }
}
