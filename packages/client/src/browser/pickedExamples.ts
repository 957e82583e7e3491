// Examples a person read from picked files, kept in the browser's IndexedDB per task schema so a
// reload trains on them again without picking them anew; like every local example they stay on the device.

import type { DataSchema } from '@flotilla/protocol';
import type { LocalData } from '../types.ts';
import { PICKED_STORE, openLocalDataDb, request } from './drawnDigits.ts';

interface StoredPick { features: Float32Array; labels: LocalData['labels']; count: number }

/**
 * The picked examples of each schema on this origin: replace, read, clear.
 * @example const store = await PickedExamples.open(); await store.save(schema, data); (await store.load(schema))?.count
 */
export class PickedExamples {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(factory: IDBFactory = indexedDB): Promise<PickedExamples> {
    return new PickedExamples(await openLocalDataDb(factory));
  }

  // Examples of one schema never mix with another's: the schema itself is the key.
  private static key(schema: DataSchema): string {
    return JSON.stringify(schema);
  }

  async save(schema: DataSchema, data: LocalData): Promise<void> {
    const record: StoredPick = { features: data.features, labels: data.labels, count: data.count };
    await request(this.db.transaction(PICKED_STORE, 'readwrite').objectStore(PICKED_STORE).put(record, PickedExamples.key(schema)));
  }

  async load(schema: DataSchema): Promise<LocalData | null> {
    const record = await request(this.db.transaction(PICKED_STORE, 'readonly').objectStore(PICKED_STORE).get(PickedExamples.key(schema))) as StoredPick | undefined;
    return record ? { features: record.features, labels: record.labels, count: record.count } : null;
  }

  async clear(schema: DataSchema): Promise<void> {
    await request(this.db.transaction(PICKED_STORE, 'readwrite').objectStore(PICKED_STORE).delete(PickedExamples.key(schema)));
  }
}
