// A simulated device's local data: its own partition, fetched from the coordinator's simulation
// endpoint (served only for tasks marked as simulations) and decoded from a binary frame.

import { ErrorCodes, FlotillaError, MNIST_SCHEMA, decodeFrame, schemaOutputSize, type DataSchema } from '@flotilla/protocol';
import { checkLocalData, exampleWidth, type SplitRule } from '../localData.ts';
import type { LocalData } from '../types.ts';

/** Path of partition `index` of a simulation task, relative to the coordinator. */
export function simulationPartitionPath(taskId: string, index: number): string {
  return `/api/simulation/tasks/${encodeURIComponent(taskId)}/partitions/${index}`;
}

/** The frame's JSON header: a dataset's partition carries its schema, MNIST's (of older coordinators) does not. */
interface PartitionHeader {
  type?: string;
  count?: number;
  schema?: DataSchema;
  /** The task's held-out rule, so the client's first hello can announce its train split. */
  clientTestFraction?: number;
  seed?: number;
}

/**
 * Fetches and checks one partition: `features` [count, example width] (older coordinators and
 * MNIST: `images` [count, 784]) and `labels` [count], class ids or regression values. The header's
 * `schema` (MNIST's when absent) says the width and which labels fit; its `clientTestFraction`
 * and `seed`, when present, the held-out rule (`holdout`).
 * @example const { data, schema } = await fetchSimulationPartition('http://127.0.0.1:8080', taskId, 3);
 */
export async function fetchSimulationPartition(
  baseUrl: string, taskId: string, index: number, fetchImpl: typeof fetch = fetch,
): Promise<{ data: LocalData; schema: DataSchema; holdout: SplitRule | null }> {
  const response = await fetchImpl(`${baseUrl.replace(/\/$/, '')}${simulationPartitionPath(taskId, index)}`);
  if (!response.ok) {
    const body = await response.json().catch(() => null) as { code?: string; message?: string } | null;
    throw new FlotillaError(ErrorCodes.NOT_FOUND, `partition ${index} of task ${taskId}: HTTP ${response.status} ${body?.code ?? ''} ${body?.message ?? ''}`.trim());
  }
  const frame = decodeFrame(new Uint8Array(await response.arrayBuffer()));
  const header = frame.message as PartitionHeader;
  const schema = header.schema ?? MNIST_SCHEMA;
  const features = frame.tensors.find((t) => t.name === 'features') ?? frame.tensors.find((t) => t.name === 'images');
  const labels = frame.tensors.find((t) => t.name === 'labels');
  const count = header.count ?? -1;
  if (header.type !== 'simulation.partition' || !features || !labels || features.shape.join() !== `${count},${exampleWidth(schema)}` || labels.shape.join() !== `${count}`) {
    throw new FlotillaError(ErrorCodes.TENSOR_MISMATCH, `partition ${index} of task ${taskId}: unexpected frame layout`);
  }
  const regression = schema.kind === 'tabular' && schema.target.type === 'regression';
  // Views into the frame are copied so that the arrays own their buffers (they may be transferred).
  const values = labels.values.slice();
  const data: LocalData = {
    features: features.values.slice(),
    labels: regression ? values : schemaOutputSize(schema) <= 256 ? Uint8Array.from(values) : Int32Array.from(values),
    count,
  };
  try {
    // Class ids are checked before the conversion above could have wrapped them.
    checkLocalData({ ...data, labels: values }, schema);
  } catch (err) {
    throw new FlotillaError(ErrorCodes.TENSOR_MISMATCH, `partition ${index} of task ${taskId}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const holdout = typeof header.clientTestFraction === 'number' && Number.isSafeInteger(header.seed)
    ? { clientTestFraction: header.clientTestFraction, seed: header.seed! } : null;
  return { data, schema, holdout };
}
