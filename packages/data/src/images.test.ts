// Tests for image folders and zips as datasets: classes and counts, conversion, strict sizes, bad files, clients.

import { strToU8, zipSync, type Zippable } from 'fflate';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { ImageSchema } from '@flotilla/protocol';
import { describe, expect, it } from 'vitest';
import { checkDataset } from './dataset.ts';
import { DatasetImportError } from './errors.ts';
import { importImageDataset, inferImageSchema } from './images.ts';
import { importDataset } from './importers.ts';

/** A PNG of `width × height` pixels, each the RGBA `pixel(x, y)`. */
function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): Uint8Array {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) image.data.set(pixel(x, y), (y * width + x) * 4);
  return new Uint8Array(PNG.sync.write(image));
}

const solid = (rgba: [number, number, number, number], size = 4) => png(size, size, () => rgba);
const RED = solid([255, 0, 0, 255]);
const BLUE = solid([0, 0, 255, 255]);

async function failure(run: () => Promise<unknown> | unknown): Promise<DatasetImportError> {
  try {
    await run();
  } catch (e) {
    if (e instanceof DatasetImportError) return e;
    throw e;
  }
  throw new Error('expected a DatasetImportError');
}

const SCHEMA: ImageSchema = { kind: 'image', height: 2, width: 2, channels: 1, classes: ['cat', 'dog'] };

describe('inferImageSchema and importImageDataset', () => {
  it('takes class names from the folders (sorted), counts each class and skips what is not an image', async () => {
    const zip = zipSync({
      'dog/1.png': BLUE, 'cat/1.png': RED, 'cat/2.png': RED, 'dog/2.png': BLUE, 'dog/3.png': BLUE,
      'cat/.DS_Store': strToU8('junk'), '__MACOSX/cat/._1.png': strToU8('fork'), 'README.txt': strToU8('pets'),
    });
    const schema = inferImageSchema({ zip, name: 'pets.zip' }, { height: 2, width: 2, channels: 3 });
    expect(schema).toEqual({ kind: 'image', height: 2, width: 2, channels: 3, classes: ['cat', 'dog'] });
    const { dataset, skipped } = await importImageDataset({ zip, name: 'pets.zip' }, schema);
    checkDataset(dataset);
    expect(dataset.count).toBe(5);
    expect([...dataset.labels]).toEqual([0, 0, 1, 1, 1]);
    // 4×4 solid red shrunk to 2×2 stays red; blue stays blue.
    expect([...dataset.features.subarray(0, 3)]).toEqual([1, 0, 0]);
    expect([...dataset.features.subarray(4 * 3 * 2, 4 * 3 * 2 + 3)]).toEqual([0, 0, 1]);
    expect(skipped.map((s) => [s.path, s.reason]).sort()).toEqual([
      ['README.txt', 'not a PNG or JPEG file'], ['__MACOSX/cat/._1.png', 'macOS resource fork'], ['cat/.DS_Store', 'hidden file'],
    ]);
  });

  it('resizes and converts to gray as computed by hand', async () => {
    // 4×2 RGB: left 2×2 block red, right block alternating white and black columns, into 1×2 gray.
    const image = png(4, 2, (x) => (x < 2 ? [255, 0, 0, 255] : x === 2 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    const schema: ImageSchema = { ...SCHEMA, height: 1, width: 2 };
    const { dataset } = await importImageDataset({ files: [{ path: 'cat/a.png', bytes: image }, { path: 'dog/b.png', bytes: BLUE }] }, schema);
    expect(dataset.features[0]).toBeCloseTo(0.299, 5);
    expect(dataset.features[1]).toBeCloseTo(0.5, 5);
    expect(dataset.features[2]).toBeCloseTo(0.114, 5);
  });

  it('repeats a gray JPEG across three channels and enlarges it', async () => {
    const gray = 128;
    const data = new Uint8Array(8 * 8 * 4).map((_, i) => (i % 4 === 3 ? 255 : gray));
    const bytes = new Uint8Array(jpeg.encode({ width: 8, height: 8, data }, 95).data);
    const schema: ImageSchema = { ...SCHEMA, height: 16, width: 16, channels: 3 };
    const { dataset } = await importImageDataset({ files: [{ path: 'cat/a.JPG', bytes }, { path: 'dog/b.jpeg', bytes }] }, schema);
    expect(dataset.features.length).toBe(2 * 16 * 16 * 3);
    for (const v of dataset.features) expect(v).toBeCloseTo(gray / 255, 1);
    expect(dataset.features[0]).toBe(dataset.features[1]);
  });

  it('refuses an image of another size in strict mode, naming the file, and resizes it otherwise', async () => {
    const zip = zipSync({ 'cat/ok.png': png(2, 2, () => [0, 0, 0, 255]), 'dog/big.png': BLUE });
    const error = await failure(() => importImageDataset({ zip, name: 'pets.zip' }, SCHEMA, { strict: true }));
    expect(error.code).toBe('DATA_IMAGE_SIZE');
    expect(error.location.file).toBe('pets.zip/dog/big.png');
    expect(error.message).toContain('4×4');
    expect((await importImageDataset({ zip }, SCHEMA)).dataset.count).toBe(2);
  });

  it('refuses a corrupt PNG naming it', async () => {
    const broken = RED.slice();
    broken.fill(0, 40, 60); // inside the IDAT chunk: the CRC and the zlib stream break
    const error = await failure(() => importImageDataset({ files: [{ path: 'cat/a.png', bytes: broken }, { path: 'dog/b.png', bytes: BLUE }] }, SCHEMA));
    expect(error.code).toBe('DATA_IMAGE_DECODE');
    expect(error.location.file).toBe('cat/a.png');
    const notAnImage = await failure(() => importImageDataset({ files: [{ path: 'cat/a.png', bytes: strToU8('hello') }] }, SCHEMA));
    expect(notAnImage.code).toBe('DATA_IMAGE_DECODE');
  });

  it('names a folder that is not one of the schema\'s classes', async () => {
    const error = await failure(() => importImageDataset({ zip: zipSync({ 'cat/1.png': RED, 'horse/1.png': RED }) }, SCHEMA));
    expect(error.code).toBe('DATA_IMAGE_UNKNOWN_CLASS');
    expect(error.message).toContain('"horse"');
    expect(error.location.file).toBe('horse/1.png');
  });

  it('bounds the pixels of one image before decoding it', async () => {
    const error = await failure(() => importImageDataset({ files: [{ path: 'cat/a.png', bytes: RED }] }, SCHEMA, { limits: { maxPixels: 15 } }));
    expect(error.code).toBe('DATA_IMAGE_TOO_LARGE');
  });

  it('reads client/class/file with clientLevel, below the folder a browser pick names', async () => {
    const files = [['pick/site-b/dog/1.png', BLUE], ['pick/site-a/cat/1.png', RED], ['pick/site-a/dog/1.png', BLUE]] as const;
    const source = { files: files.map(([path, bytes]) => ({ path, bytes })) };
    expect(inferImageSchema(source, { height: 2, width: 2, channels: 1, clientLevel: true }).classes).toEqual(['cat', 'dog']);
    const { dataset } = await importImageDataset(source, SCHEMA, { clientLevel: true });
    expect(dataset.clientIds).toEqual(['site-a', 'site-a', 'site-b']);
    expect([...dataset.labels]).toEqual([0, 1, 1]);
  });

  it('refuses images outside class folders, nested unevenly, or a single class to infer from', async () => {
    expect((await failure(() => importImageDataset({ files: [{ path: 'a.png', bytes: RED }] }, SCHEMA))).code).toBe('DATA_IMAGE_LAYOUT');
    const uneven = { files: [{ path: 'cat/a.png', bytes: RED }, { path: 'dog/x/b.png', bytes: RED }] };
    expect((await failure(() => importImageDataset(uneven, SCHEMA))).code).toBe('DATA_IMAGE_LAYOUT');
    expect((await failure(() => inferImageSchema({ zip: zipSync({ 'cat/1.png': RED }) }, { height: 2, width: 2, channels: 1 }))).code).toBe('DATA_IMAGE_CLASSES');
    expect((await failure(() => importImageDataset({ zip: zipSync({ 'notes.txt': strToU8('x') }) }, SCHEMA))).code).toBe('DATA_IMAGE_EMPTY');
  });

  it('is the registry\'s images format: a zip archive, hashed, with what it skipped', async () => {
    const files: Zippable = { 'cat/1.png': RED, 'dog/1.png': BLUE, 'Thumbs.db': strToU8('x') };
    const { dataset, hashes, skipped } = await importDataset('images', { archive: { bytes: zipSync(files), name: 'pets.zip' } }, SCHEMA, { clientId: 'me' });
    expect(dataset.clientIds).toEqual(['me', 'me']);
    expect(Object.keys(hashes)).toEqual(['archive']);
    expect(skipped).toEqual([{ path: 'Thumbs.db', reason: 'not a PNG or JPEG file' }]);
  });
});
