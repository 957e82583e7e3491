// Where a client keeps its error-feedback residual between rounds: in memory, or in IndexedDB so
// that a page reload keeps it (the Node file store is in ./node/fileResidualStore.ts). One slot per
// client, tagged with the task and the model's shapes: another task or shape starts from zero.

/** A residual and what it belongs to. */
export interface StoredResidual {
  taskId: string;
  shapes: number[][];
  values: Float32Array;
}

/** Keeps one client's residual across rounds (and, for the persistent stores, reloads). */
export interface ResidualStore {
  load(): Promise<StoredResidual | null>;
  save(residual: StoredResidual): Promise<void>;
}

/** The residual for this task and model, or null when the store holds another (or none). */
export async function residualFor(store: ResidualStore, taskId: string, shapes: readonly number[][]): Promise<Float32Array | null> {
  const stored = await store.load().catch(() => null);
  if (!stored || stored.taskId !== taskId || JSON.stringify(stored.shapes) !== JSON.stringify(shapes)) return null;
  return stored.values;
}

/**
 * Keeps the residual for the life of the process.
 * @example const client = new FlotillaClient({ ...options, residuals: memoryResidualStore() });
 */
export function memoryResidualStore(): ResidualStore {
  let slot: StoredResidual | null = null;
  return {
    load: async () => slot,
    save: async (residual) => { slot = { ...residual, values: Float32Array.from(residual.values) }; },
  };
}

const request = <T>(r: IDBRequest<T>): Promise<T> => new Promise((resolve, reject) => {
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error);
});

/**
 * Keeps the residual in IndexedDB under `key`, so a reloaded page carries on where it stopped.
 * @example residuals: indexedDbResidualStore(indexedDB, `flotilla.residual.${taskId}`)
 */
export function indexedDbResidualStore(factory: IDBFactory, key: string, database = 'flotilla'): ResidualStore {
  const open = (): Promise<IDBDatabase> => {
    const r = factory.open(database, 1);
    r.onupgradeneeded = () => { if (!r.result.objectStoreNames.contains('residuals')) r.result.createObjectStore('residuals'); };
    return request(r);
  };
  const withStore = async <T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await open();
    try {
      return await request(run(db.transaction('residuals', mode).objectStore('residuals')));
    } finally {
      db.close();
    }
  };
  return {
    async load() {
      const value = await withStore('readonly', (s) => s.get(key)) as StoredResidual | undefined;
      return value && typeof value.taskId === 'string' && value.values instanceof Float32Array && Array.isArray(value.shapes) ? value : null;
    },
    async save(residual) {
      await withStore('readwrite', (s) => s.put(residual, key));
    },
  };
}
