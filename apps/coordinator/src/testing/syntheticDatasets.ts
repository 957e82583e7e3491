// Small deterministic datasets for tests: a CSV with numeric and categorical columns and a client
// column, an IDX pair, a text corpus. Generated, never fetched.

import { createRng } from '@flotilla/core';

/**
 * A two-class table whose label follows x1 + x2 (plus a categorical hint), rows spread over
 * `clients` hospitals in turn: learnable well above the majority class.
 * @example const csv = syntheticCsv({ rows: 200, clients: 4, seed: 1 });
 */
export function syntheticCsv(options: { rows: number; clients?: number; seed?: number; regression?: boolean }): string {
  const rng = createRng(options.seed ?? 1);
  const lines = ['x1,x2,colour,hospital,y'];
  for (let i = 0; i < options.rows; i++) {
    const x1 = rng() * 4 - 2;
    const x2 = rng() * 4 - 2;
    const colour = ['red', 'green', 'blue'][i % 3]!;
    const hospital = `h${i % (options.clients ?? 1)}`;
    const y = options.regression ? (2 * x1 - x2 + (colour === 'red' ? 1 : 0)).toFixed(3) : x1 + x2 + (colour === 'red' ? 0.3 : 0) > 0 ? 'sick' : 'well';
    lines.push(`${x1.toFixed(3)},${x2.toFixed(3)},${colour},${hospital},${y}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * An IDX pair of `count` uint8 images h×w (class k is bright in row band k) and their labels.
 * @example const { images, labels } = syntheticIdx(60, 8, 8, 3);
 */
export function syntheticIdx(count: number, height: number, width: number, classes: number, labelCount = count): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(16 + count * height * width);
  const view = new DataView(images.buffer);
  view.setUint32(0, 0x00000803);
  view.setUint32(4, count);
  view.setUint32(8, height);
  view.setUint32(12, width);
  const labels = new Uint8Array(8 + labelCount);
  const lv = new DataView(labels.buffer);
  lv.setUint32(0, 0x00000801);
  lv.setUint32(4, labelCount);
  for (let i = 0; i < Math.max(count, labelCount); i++) {
    const label = i % classes;
    if (i < labelCount) labels[8 + i] = label;
    if (i >= count) continue;
    const band = Math.floor((label * height) / classes);
    for (let x = 0; x < width; x++) images[16 + i * height * width + band * width + x] = 255;
  }
  return { images, labels };
}
