// Global weights by URL: a model version never changes, so every client in a process (or tab)
// fetches it once, however many of them train from it.

import { decodeFrame, flattenTensors } from '@flotilla/protocol';

export interface GlobalWeights {
  weights: Float32Array;
  shapes: number[][];
}

/**
 * The fetch names the client it is for (`x-flotilla-client`) so the coordinator counts the bytes
 * against it; a version shared by several clients of a process is fetched, and counted, once.
 * @example const { weights } = await cache.get('http://127.0.0.1:8080/api/tasks/t/models/3/weights.frame', clientId);
 */
export class WeightsCache {
  private readonly entries = new Map<string, Promise<GlobalWeights>>();

  constructor(private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis), private readonly capacity = 4) {}

  get(url: string, clientId?: string | null): Promise<GlobalWeights> {
    let entry = this.entries.get(url);
    if (!entry) {
      entry = this.load(url, clientId ?? null);
      entry.catch(() => this.entries.delete(url));
      this.entries.set(url, entry);
      while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }
    return entry;
  }

  private async load(url: string, clientId: string | null): Promise<GlobalWeights> {
    const response = await (clientId === null ? this.fetchImpl(url) : this.fetchImpl(url, { headers: { 'x-flotilla-client': clientId } }));
    if (!response.ok) throw new Error(`fetching global weights failed: HTTP ${response.status}`);
    const frame = decodeFrame(new Uint8Array(await response.arrayBuffer()));
    return { weights: flattenTensors(frame.tensors), shapes: frame.tensors.map((t) => t.shape) };
  }
}
