// A client's personal state for one task (FedPer/FedRep's head, Ditto's personal model, the
// local-only baseline), the store that keeps it across rounds and restarts, and its byte form.
// It never leaves the client: nothing here is sent to the coordinator.

/** What a client keeps for a personalised task between rounds. */
export interface PersonalState {
  /**
   * The client's own model, flat in the model's weight order: under FedPer / FedRep the model it
   * trained last (only its head is personal, the body comes from each new global model), under
   * Ditto the personal model v.
   */
  model?: Float32Array;
  /** The local-only baseline: a model trained on this client's data alone. */
  localOnly?: Float32Array;
  /** Local epochs the local-only model has trained: the same as this client's federated training so far. */
  localEpochs: number;
  /** The batch size and learning rate of the last round's plan (fine-tuning at evaluation uses them). */
  fit?: { batchSize: number; learningRate: number };
}

/** Where a client keeps personal state by task: memory, files under a fleet's state dir, IndexedDB. */
export interface PersonalStore {
  load(taskId: string): Promise<PersonalState | null>;
  save(taskId: string, state: PersonalState): Promise<void>;
}

/**
 * Keeps personal state for the life of the process.
 * @example const client = new FlotillaClient({ ...options, personal: memoryPersonalStore() });
 */
export function memoryPersonalStore(): PersonalStore {
  const states = new Map<string, Uint8Array>();
  return {
    load: async (taskId) => {
      const bytes = states.get(taskId);
      return bytes ? decodePersonalState(bytes) : null;
    },
    // Stored as bytes, so a caller mutating its arrays afterwards cannot change what was saved.
    save: async (taskId, state) => void states.set(taskId, encodePersonalState(state)),
  };
}

const MAGIC = 0x50_52_53_4e; // 'PRSN'

/**
 * The state as bytes: magic, header length, a JSON header, then the float32 arrays it lists.
 * @example decodePersonalState(encodePersonalState({ localEpochs: 2 })) // { localEpochs: 2 }
 */
export function encodePersonalState(state: PersonalState): Uint8Array {
  const arrays = (['model', 'localOnly'] as const).filter((k) => state[k] !== undefined);
  const header = new TextEncoder().encode(JSON.stringify({
    localEpochs: state.localEpochs, ...(state.fit ? { fit: state.fit } : {}), arrays: arrays.map((k) => [k, state[k]!.length]),
  }));
  const headerPadded = Math.ceil(header.length / 4) * 4;
  const total = 8 + headerPadded + arrays.reduce((n, k) => n + state[k]!.length * 4, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  bytes.set(header, 8);
  let offset = 8 + headerPadded;
  for (const k of arrays) {
    const values = state[k]!;
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    offset += values.byteLength;
  }
  return bytes;
}

/** Reads what {@link encodePersonalState} wrote; null for bytes it did not write (a torn or foreign file). */
export function decodePersonalState(bytes: Uint8Array): PersonalState | null {
  try {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 8 || view.getUint32(0, true) !== MAGIC) return null;
    const headerLength = view.getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as {
      localEpochs: number; fit?: PersonalState['fit']; arrays: ['model' | 'localOnly', number][];
    };
    const state: PersonalState = { localEpochs: header.localEpochs, ...(header.fit ? { fit: header.fit } : {}) };
    let offset = 8 + Math.ceil(headerLength / 4) * 4;
    for (const [key, length] of header.arrays) {
      if (offset + length * 4 > bytes.byteLength) return null;
      // A copy: aligned, and independent of the buffer it was read from.
      state[key] = new Float32Array(bytes.slice(offset, offset + length * 4).buffer);
      offset += length * 4;
    }
    return state;
  } catch {
    return null;
  }
}
