// Digits a person drew on the join page, kept in the browser's IndexedDB so they survive a reload;
// they stay on the device like every other local example.

import type { LocalData } from '../types.ts';
import { DIGIT_PIXELS } from './localFiles.ts';

const DB_NAME = 'flotilla-local-data';
const STORE = 'drawn-digits';

interface StoredDigit { label: number; pixels: Uint8Array }

function request<T>(req: IDBRequest<T>): Promise<T> {
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
    const req = factory.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { autoIncrement: true });
    return new DrawnDigits(await request(req));
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
    const images = new Float32Array(rows.length * DIGIT_PIXELS);
    const labels = new Uint8Array(rows.length);
    rows.forEach((row, i) => {
      labels[i] = row.label;
      for (let p = 0; p < DIGIT_PIXELS; p++) images[i * DIGIT_PIXELS + p] = row.pixels[p]! / 255;
    });
    return { images, labels, count: rows.length };
  }

  async clear(): Promise<void> {
    await request(this.store('readwrite').clear());
  }
}
