// Global weights by URL: a model version never changes, so every client in a process (or tab)
// fetches it once, however many of them train from it. A cache that holds an older version of
// the same task's model asks for the newer one as a delta against it (`?base=v`); the coordinator
// answers with the delta where the task sends deltas and that is smaller, else the full model.

import { applyModelDelta, decodeFrame, flattenTensors, modelChecksum, type DecodedFrame } from '@flotilla/protocol';

export interface GlobalWeights {
  weights: Float32Array;
  shapes: number[][];
}

const MODEL_URL = /^(.*\/models\/)(\d+)(\/weights\.frame)$/;

interface DeltaHeader { type: 'weights.delta'; version: number; base: number; format: 'float32' | 'float16'; count: number; byteLength: number; checksum: number }

/**
 * The fetch names the client it is for (`x-flotilla-client`) so the coordinator counts the bytes
 * against it; a version shared by several clients of a process is fetched, and counted, once.
 * @example const { weights } = await cache.get('http://127.0.0.1:8080/api/tasks/t/models/3/weights.frame', clientId);
 */
export class WeightsCache {
  private readonly entries = new Map<string, Promise<GlobalWeights>>();
  /** The newest version held of each task's model (by URL without the version), the base of a delta. */
  private readonly held = new Map<string, { version: number; weights: GlobalWeights }>();

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
    const match = MODEL_URL.exec(url);
    const key = match ? `${match[1]}${match[3]}` : null;
    const version = match ? Number(match[2]) : null;
    const held = key === null ? undefined : this.held.get(key);
    let result: GlobalWeights | null = null;
    if (held && version !== null && held.version < version) result = fromFrame(await this.fetchFrame(`${url}?base=${held.version}`, clientId), held);
    // No base, or a delta that did not rebuild the model it names: the full model.
    result ??= fromFrame(await this.fetchFrame(url, clientId), null)!;
    if (key !== null && version !== null && (!held || held.version < version)) this.held.set(key, { version, weights: result });
    return result;
  }

  private async fetchFrame(url: string, clientId: string | null): Promise<DecodedFrame> {
    const response = await (clientId === null ? this.fetchImpl(url) : this.fetchImpl(url, { headers: { 'x-flotilla-client': clientId } }));
    if (!response.ok) throw new Error(`fetching global weights failed: HTTP ${response.status}`);
    return decodeFrame(new Uint8Array(await response.arrayBuffer()));
  }
}

/** The weights a frame holds: the full model, or a delta applied to the held base (null if it does not check out). */
function fromFrame(frame: DecodedFrame, held: { version: number; weights: GlobalWeights } | null): GlobalWeights | null {
  const header = frame.message as Partial<DeltaHeader> | null;
  if (header?.type !== 'weights.delta') return { weights: flattenTensors(frame.tensors), shapes: frame.tensors.map((t) => t.shape) };
  if (!held || !frame.words || header.base !== held.version || header.count !== held.weights.weights.length) return null;
  if (header.format !== 'float32' && header.format !== 'float16') return null;
  const length = header.byteLength ?? -1;
  if (!(Number.isSafeInteger(length) && length >= 0 && length <= frame.words.byteLength)) return null;
  try {
    const weights = applyModelDelta(held.weights.weights, new Uint8Array(frame.words.buffer, frame.words.byteOffset, length), header.format);
    return modelChecksum(weights) === header.checksum ? { weights, shapes: held.weights.shapes } : null;
  } catch {
    return null;
  }
}
