// Test helpers for tasks on registered datasets: register files through the REST API (multipart,
// operator token) and run Node clients that fetch their own partition from the simulation route,
// as a fleet's tab does, and train it with the real tfjs trainer.

import WebSocket from 'ws';
import { FlotillaClient, TfjsTrainer, WeightsCache, fetchSimulationPartition, memoryIdentity, type ClientEvent, type WebSocketLike } from '@flotilla/client';
import { initNodeBackend } from '@flotilla/models';
import type { DatasetRecord } from '@flotilla/protocol';
import { operatorHeaders } from './harness.ts';

/** A file of a dataset upload, by role (`table`, `archive`, `corpus`, `images`, `labels`). */
export interface UploadPart {
  bytes: Uint8Array | string;
  name: string;
}

/**
 * Registers a dataset through `POST /api/datasets` as an operator would with curl; throws with
 * the coded answer unless the coordinator stored it (201) or already held it (200).
 * @example const clinics = await registerDataset(url, { format: 'csv', label: 'outcome' }, { table: { bytes: csv, name: 'clinics.csv' } });
 */
export async function registerDataset(url: string, fields: Record<string, string>, files: Record<string, UploadPart>): Promise<DatasetRecord> {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  for (const [role, file] of Object.entries(files)) body.append(role, new Blob([file.bytes as BlobPart]), file.name);
  const response = await fetch(`${url}/api/datasets`, { method: 'POST', body, headers: operatorHeaders() });
  const answer = await response.json() as DatasetRecord;
  if (response.status !== 201 && response.status !== 200) throw new Error(`dataset registration failed (${response.status}): ${JSON.stringify(answer)}`);
  return answer;
}

let sharedTrainer: TfjsTrainer | null = null;

/**
 * Starts one Node client per partition index of a simulation task: each fetches its partition
 * (features, labels and the schema) from the simulation route and joins the task; the client
 * itself splits off its held-out part by the task's `clientTestFraction`.
 * @example const clients = await startSimulationClients(url, taskId, [0, 1, 2, 3]);
 */
export async function startSimulationClients(url: string, taskId: string, indices: readonly number[], onEvent?: (index: number, event: ClientEvent) => void): Promise<FlotillaClient[]> {
  if (sharedTrainer === null) {
    const { backend } = await initNodeBackend('auto');
    sharedTrainer = new TfjsTrainer({ backend });
  }
  const trainer = sharedTrainer;
  const weights = new WeightsCache();
  const clients: FlotillaClient[] = [];
  for (const index of indices) {
    const { data } = await fetchSimulationPartition(url, taskId, index);
    const client = new FlotillaClient({
      url, kind: 'node', taskId, partitionIndex: index, trainer, weights, identity: memoryIdentity(), data,
      webSocket: (u) => new WebSocket(u, { maxPayload: 64 * 1024 * 1024 }) as unknown as WebSocketLike,
      backoff: { baseMs: 50, maxMs: 500 },
      ...(onEvent === undefined ? {} : { onEvent: (event: ClientEvent) => onEvent(index, event) }),
    });
    client.start();
    clients.push(client);
  }
  return clients;
}
