// A whole split NN run for one role over a VerticalChannel: PSI alignment, then masked training epochs.
import { VerticalError } from '../VerticalError.ts';
import { SplitNnArbiter } from '../splitNn/SplitNnArbiter.ts';
import { SplitNnGuest } from '../splitNn/SplitNnGuest.ts';
import { SplitNnHost } from '../splitNn/SplitNnHost.ts';
import type { SplitNnConfig } from '../splitNn/model.ts';
import type { VerticalChannel } from './channel.ts';
import { alignedRows } from './heteroLrParty.ts';
import { alignWithGuest, alignWithHosts } from './hostAlignment.ts';
import { hostRoles } from '../roles.ts';
import type { HostRole } from '../roles.ts';
import { trainAndValidation } from './validation.ts';
import type { VerticalPartyTable } from '@flotilla/data';

/** Training settings of a split NN job. */
export interface SplitNnJobSettings {
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  /** Hosts of the job (`host`, `host-2`, …): 1 by default, at most 4. */
  hosts?: number;
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
 * The guest (label holder; the table's class count, 10 by default): aligns with every host, fixes
 * the config, trains; after each epoch scores its test (or validation) rows through the masked
 * interactive layer and reports the epoch's mean training loss and accuracy.
 * @example await runSplitNnGuest(channel, guestTable, { epochs: 2 });
 */
export async function runSplitNnGuest(channel: VerticalChannel, data: VerticalPartyTable, settings: SplitNnJobSettings): Promise<number[]> {
  if (!data.labels) throw new VerticalError('VFL_BAD_PARAMETER', 'the guest needs labels');
  const hosts = hostRoles(settings.hosts);
  const result = await alignWithHosts(channel, hosts, data.ids);
  channel.report({ kind: 'intersection', size: result.size });
  const { train: rows, validation } = trainAndValidation(data, alignedRows(data, result), settings.validationFraction);
  const fromHosts = (type: string): Promise<Record<string, unknown>[]> => Promise.all(hosts.map((h) => channel.receive(h, type)));
  const hostFeatures = (await fromHosts('split-nn.setup')).map((setup) => setup.hostFeatures);
  if (hostFeatures.some((d) => !Number.isInteger(d) || (d as number) < 1)) throw new VerticalError('VFL_MALFORMED', 'hostFeatures must be a positive integer');
  const config: SplitNnConfig = {
    rows: rows.rows, guestFeatures: data.featureCount, hostFeatures: hosts.length === 1 ? hostFeatures[0] as number : hostFeatures as number[],
    ...(data.classes === undefined ? {} : { classes: data.classes }),
    ...(settings.batchSize === undefined ? {} : { batchSize: settings.batchSize }),
    ...(settings.learningRate === undefined ? {} : { learningRate: settings.learningRate }),
  };
  const testRows = validation.rows;
  const message: ConfigMessage = { type: 'split-nn.config', config, testRows };
  for (const h of hosts) channel.send(h, message);
  channel.send('arbiter', message);
  const guest = new SplitNnGuest(rows.features, rows.labels!, config);
  const perEpoch = Math.ceil(rows.rows / guest.config.batchSize);
  const accuracies: number[] = [];
  const receiveTriples = async (): Promise<void> => {
    for (let h = 0; h < hosts.length; h++) guest.receiveTriples(await channel.receive('arbiter', 'split-nn.guest-triples'));
  };
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    let loss = 0;
    for (let b = 0; b < perEpoch; b++) {
      await receiveTriples();
      hosts.forEach((h, index) => channel.send(h, guest.trainOpen(index)));
      const open = await fromHosts('split-nn.host-open');
      const share = await fromHosts('split-nn.host-share');
      const step = guest.trainForward(open, share);
      loss += step.loss;
      hosts.forEach((h, index) => channel.send(h, step.messages[index]!));
      guest.trainFinish(await fromHosts('split-nn.host-backward-share'));
      channel.report({ kind: 'step', step: guest.step, steps: perEpoch * settings.epochs });
    }
    const session = `test-${epoch}`;
    await receiveTriples();
    hosts.forEach((h, index) => channel.send(h, guest.predictOpen(session, index)));
    const predicted = guest.predict(session, validation.features, await fromHosts('split-nn.host-open'), await fromHosts('split-nn.host-share'));
    accuracies.push(predicted.reduce((acc, p, i) => acc + (p === validation.labels![i] ? 1 : 0), 0) / testRows);
    channel.report({ kind: 'epoch', epoch, loss: loss / perEpoch, accuracy: accuracies.at(-1)! });
  }
  return accuracies;
}

/** A host (`role` among the job's hosts): aligns, trains its bottom model, opens its test (or validation) embeddings after each epoch. */
export async function runSplitNnHost(channel: VerticalChannel, data: VerticalPartyTable, settings: SplitNnJobSettings, role: HostRole = 'host'): Promise<void> {
  const hosts = hostRoles(settings.hosts);
  const index = hosts.indexOf(role);
  if (index < 0) throw new VerticalError('VFL_BAD_PARAMETER', `${role} is not a host of this job (${hosts.join(', ')})`);
  const result = await alignWithGuest(channel, hosts.length, data.ids);
  const { train: rows, validation } = trainAndValidation(data, alignedRows(data, result), settings.validationFraction);
  channel.send('guest', { type: 'split-nn.setup', hostFeatures: data.featureCount });
  const { config } = readConfig(await channel.receive('guest', 'split-nn.config'), rows.rows);
  const host = new SplitNnHost(rows.features, config, index);
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

/** The arbiter: deals every host's Beaver triples of every step and of each epoch's test scoring. */
export async function runSplitNnArbiter(channel: VerticalChannel, settings: SplitNnJobSettings): Promise<void> {
  const hosts = hostRoles(settings.hosts);
  const m = await channel.receive('guest', 'split-nn.config');
  const rows = (m.config as { rows?: unknown } | undefined)?.rows;
  if (!Number.isInteger(rows) || (rows as number) < 1) throw new VerticalError('VFL_MALFORMED', 'config rows must be a positive integer');
  const { config, testRows } = readConfig(m, rows as number);
  const arbiter = new SplitNnArbiter(config);
  if (arbiter.config.hostFeatures.length !== hosts.length) throw new VerticalError('VFL_MALFORMED', `the config must describe ${hosts.length} hosts`);
  const perEpoch = Math.ceil((rows as number) / arbiter.config.batchSize);
  let step = 0;
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    for (let b = 0; b < perEpoch; b++) {
      hosts.forEach((h, index) => {
        const t = arbiter.trainTriples(step, index);
        channel.send(h, t.host);
        channel.send('guest', t.guest);
      });
      step++;
    }
    hosts.forEach((h, index) => {
      const t = arbiter.predictTriples(`test-${epoch}`, testRows, index);
      channel.send(h, t.host);
      channel.send('guest', t.guest);
    });
  }
}
