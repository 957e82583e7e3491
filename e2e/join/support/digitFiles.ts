// Files a person could pick, made in the test from MNIST bytes (a digit CSV and a folder of PNG
// images, one folder per label) or from colours (RGB PNGs), written to a temporary directory, never committed.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { loadMnist } from '@flotilla/data';

/** `count` MNIST training examples from `offset`: pixels 0–255 and labels. */
export async function mnistExamples(offset: number, count: number): Promise<{ pixels: Uint8Array[]; labels: number[] }> {
  const train = await loadMnist('train', { limit: offset + count });
  const pixels: Uint8Array[] = [];
  const labels: number[] = [];
  for (let i = offset; i < offset + count; i++) {
    pixels.push(Uint8Array.from(train.images.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)));
    labels.push(train.labels[i]!);
  }
  return { pixels, labels };
}

/** A digit CSV (header row, then label and 784 pixels per row). */
export function digitCsv(examples: { pixels: Uint8Array[]; labels: number[] }): string {
  const header = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(',');
  return [header, ...examples.labels.map((label, i) => [label, ...examples.pixels[i]!].join(','))].join('\n') + '\n';
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A 28×28 8-bit grayscale PNG; `inverted` draws dark ink on a light ground, as a scan would. */
export function grayPng(pixels: Uint8Array, inverted = false): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(28, 0);
  header.writeUInt32BE(28, 4);
  header.set([8, 0, 0, 0, 0], 8);
  const raw = Buffer.alloc(28 * 29);
  for (let y = 0; y < 28; y++) {
    raw[y * 29] = 0;
    for (let x = 0; x < 28; x++) raw[y * 29 + 1 + x] = inverted ? 255 - pixels[y * 28 + x]! : pixels[y * 28 + x]!;
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A `width`×`height` 8-bit RGB PNG from row-major R, G, B bytes. */
export function rgbPng(width: number, height: number, rgb: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * stride + 1);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Writes files (relative path → bytes) under a fresh temporary directory; returns its path. */
export function writeTree(files: Record<string, Buffer | string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'flotilla-picked-'));
  for (const [rel, bytes] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), bytes);
  }
  return root;
}
