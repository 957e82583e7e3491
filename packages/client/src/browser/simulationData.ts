// A simulated device's local data: its own partition, fetched from the coordinator's simulation
// endpoint (served only for tasks marked as simulations) and decoded from a binary frame.

import { ErrorCodes, FlotillaError, decodeFrame } from '@flotilla/protocol';
import type { LocalData } from '../types.ts';

/** Path of partition `index` of a simulation task, relative to the coordinator. */
export function simulationPartitionPath(taskId: string, index: number): string {
  return `/api/simulation/tasks/${encodeURIComponent(taskId)}/partitions/${index}`;
}

/**
 * Fetches and checks one partition: images [count, 784] in [0, 1], labels 0..9.
 * @example const data = await fetchSimulationPartition('http://127.0.0.1:8080', taskId, 3);
 */
export async function fetchSimulationPartition(baseUrl: string, taskId: string, index: number, fetchImpl: typeof fetch = fetch): Promise<LocalData> {
  const response = await fetchImpl(`${baseUrl.replace(/\/$/, '')}${simulationPartitionPath(taskId, index)}`);
  if (!response.ok) {
    const body = await response.json().catch(() => null) as { code?: string; message?: string } | null;
    throw new FlotillaError(ErrorCodes.NOT_FOUND, `partition ${index} of task ${taskId}: HTTP ${response.status} ${body?.code ?? ''} ${body?.message ?? ''}`.trim());
  }
  const frame = decodeFrame(new Uint8Array(await response.arrayBuffer()));
  const header = frame.message as { type?: string; count?: number };
  const [images, labels] = frame.tensors;
  const count = header.count ?? -1;
  if (header.type !== 'simulation.partition' || !images || !labels || images.shape.join() !== `${count},784` || labels.shape.join() !== `${count}`) {
    throw new FlotillaError(ErrorCodes.TENSOR_MISMATCH, `partition ${index} of task ${taskId}: unexpected frame layout`);
  }
  const classes = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = labels.values[i]!;
    if (!Number.isInteger(label) || label < 0 || label > 9) throw new FlotillaError(ErrorCodes.TENSOR_MISMATCH, `label ${label} at ${i} is not a digit`);
    classes[i] = label;
  }
  // Views into the frame are copied so that the arrays own their buffers (they may be transferred).
  return { images: images.values.slice(), labels: classes, count };
}
