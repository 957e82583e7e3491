// `--data DIR` around the fleet: the task's schema (from the coordinator, or --schema FILE), the
// clients' files read with it, and the task the fleet creates when it is not given one.

import { readFile } from 'node:fs/promises';
import { taskSchema, type DataSchema, type DataSpec, type TaskConfigInput } from '@flotilla/protocol';
import { UsageError, type FleetArgs } from './args.ts';
import { loadClientDataDir, type ClientExamples } from './clientData.ts';
import { requestJson, type CoordinatorLink } from './coordinatorLink.ts';
import { operatorHeaders } from './nodeFleet.ts';
import type { FleetReporter } from './report.ts';

/** A client of `--data` that read its entry: its name (the entry's) and its examples. */
export interface OwnDataClient {
  readonly name: string;
  readonly examples: ClientExamples;
}

/** The architecture that fits each kind of example when `--model` is not given. */
const DEFAULT_ARCHITECTURE = { image: 'cnn', tabular: 'mlp', text: 'lstm' } as const satisfies Record<DataSchema['kind'], string>;

/**
 * The schema `--data` files are read with: the joined task's (`GET /api/tasks/:id`), or the
 * JSON of `--schema FILE` for a task the fleet creates.
 * @example const schema = await clientDataSchema(args, url, token, link);
 */
export async function clientDataSchema(args: FleetArgs, url: string, token: string | null, link: CoordinatorLink): Promise<DataSchema> {
  if (args.taskId !== null) {
    const id = args.taskId;
    const task = await link.retry('task', () => requestJson<{ config: { data: Pick<DataSpec, 'schema'> } }>(`${url}/api/tasks/${id}`, { headers: operatorHeaders(token) }));
    return taskSchema(task.config.data);
  }
  const file = args.schemaFile!;
  let schema: unknown;
  try {
    schema = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--schema ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // The coordinator validates the whole schema when the task is created; here only what reading the files needs.
  const kind = (schema as { kind?: unknown } | null)?.kind;
  if (kind !== 'image' && kind !== 'tabular' && kind !== 'text') throw new UsageError(`--schema ${file}: "kind" must be image, tabular or text`);
  return schema as DataSchema;
}

/**
 * Reads every entry of `--data DIR` with `schema`, one reporter line per client; the clients
 * whose files do not fit are left out. Throws when none is left.
 * @example const clients = await loadOwnDataClients('./clinics', schema, reporter);
 */
export async function loadOwnDataClients(dir: string, schema: DataSchema, reporter: FleetReporter): Promise<OwnDataClient[]> {
  const loaded = await loadClientDataDir(dir, schema, (line, ok) => (ok ? reporter.info(line) : reporter.warn(line)));
  const clients = loaded.flatMap((l) => (l.ok ? [{ name: l.entry.name, examples: l.examples }] : []));
  if (clients.length === 0) throw new Error(`no entry of ${dir} holds data for the task's ${schema.kind} schema (${loaded.length} tried)`);
  if (clients.length < loaded.length) reporter.info(`${clients.length} of ${loaded.length} clients join; the others' files do not fit the task's schema`);
  return clients;
}

/**
 * The task the fleet creates for `--data` clients: the flags' task with the schema, no dataset
 * and no simulation (clients bring their own data, so there is no baseline), sized to them.
 * @example const task = ownDataTask(args.task, schema, 3, args.dropout);
 */
export function ownDataTask(flags: TaskConfigInput, schema: DataSchema, clients: number, dropout: number, seed: number): TaskConfigInput {
  const model = flags.model ?? { kind: 'schema' as const, architecture: DEFAULT_ARCHITECTURE[schema.kind] };
  return {
    ...flags,
    name: `fleet: ${clients} Node clients on their own ${schema.kind} files, ${model.kind === 'schema' ? `schema:${model.architecture}` : model.kind}, ${flags.strategy?.name ?? 'fedavg'}`,
    model,
    data: { dataset: null, schema, partition: { kind: 'iid', numClients: clients, seed }, simulation: false, ...(flags.data?.testLimit === undefined ? {} : { testLimit: flags.data.testLimit }) },
    fit: { ...flags.fit, minFitClients: Math.min(2, clients), minAvailableClients: dropout > 0 ? Math.max(1, Math.floor(clients / 2)) : clients },
    baseline: { ...flags.baseline, enabled: false },
  };
}
