// Digits a person drew on the join page, kept in the browser's IndexedDB so they survive a reload;
// they stay on the device like every other local example.

import type { LocalData } from '../types.ts';
import { DIGIT_PIXELS } from './localFiles.ts';

const DB_NAME = 'flotilla-local-data';
const STORE = 'drawn-digits';
/** Examples read from picked files, one record per task schema (see PickedExamples). */
export const PICKED_STORE = 'picked-examples';

interface StoredDigit { label: number; pixels: Uint8Array }

/**
 * Opens this origin's local-data database (version 2 added the picked examples' store).
 * @example const db = await openLocalDataDb(indexedDB);
 */
export async function openLocalDataDb(factory: IDBFactory): Promise<IDBDatabase> {
  const req = factory.open(DB_NAME, 2);
  req.onupgradeneeded = () => {
    const db = req.result;
    if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { autoIncrement: true });
    if (!db.objectStoreNames.contains(PICKED_STORE)) db.createObjectStore(PICKED_STORE);
  };
  return request(req);
}

/** Settles with an IndexedDB request's result. */
export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/**
 * The drawn digits of this origin: add one, read all, clear.
 * @example const store = await DrawnDigits.open(); await store.add(pixels, 7); (await store.all()).count
 */
export class DrawnDigits {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(factory: IDBFactory = indexedDB): Promise<DrawnDigits> {
    return new DrawnDigits(await openLocalDataDb(factory));
  }

  private store(mode: IDBTransactionMode): IDBObjectStore {
    return this.db.transaction(STORE, mode).objectStore(STORE);
  }

  /** Keeps one drawing: 784 pixels in [0, 1] (stored as bytes) and its label 0–9. */
  async add(pixels: Float32Array, label: number): Promise<void> {
    if (pixels.length !== DIGIT_PIXELS) throw new RangeError(`a drawn digit has ${DIGIT_PIXELS} pixels, got ${pixels.length}`);
    if (!Number.isInteger(label) || label < 0 || label > 9) throw new RangeError(`label ${label} is not a digit 0–9`);
    const bytes = Uint8Array.from(pixels, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    await request(this.store('readwrite').add({ label, pixels: bytes } satisfies StoredDigit));
  }

  async all(): Promise<LocalData> {
    const rows = await request(this.store('readonly').getAll()) as StoredDigit[];
    const features = new Float32Array(rows.length * DIGIT_PIXELS);
    const labels = new Uint8Array(rows.length);
    rows.forEach((row, i) => {
      labels[i] = row.label;
      for (let p = 0; p < DIGIT_PIXELS; p++) features[i * DIGIT_PIXELS + p] = row.pixels[p]! / 255;
    });
    return { features, labels, count: rows.length };
  }

  async clear(): Promise<void> {
    await request(this.store('readwrite').clear());
  }
}
