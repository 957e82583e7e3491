// PNG and JPEG files decoded in pure JS (pngjs, jpeg-js) to RGBA pixels, with the pixel count bounded before decoding.

import { DatasetImportError } from './errors.ts';

/** Decoded pixels: `data` is RGBA, 4 bytes per pixel, row-major. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * Decodes one file's bytes to RGBA. The default, {@link decodeImage}, reads PNG with pngjs, which
 * needs Node's zlib: a browser page or worker passes its own (createImageBitmap, then an
 * OffscreenCanvas's getImageData); JPEG through jpeg-js works anywhere.
 */
export type ImageDecoder = (bytes: Uint8Array, path: string, maxPixels: number) => Promise<RgbaImage>;

interface ImageFormat {
  readonly extensions: readonly string[];
  readonly magic: readonly number[];
  /** Width and height from the header, read without decoding, or undefined when the header is cut short. */
  readonly dimensions: (bytes: Uint8Array) => { width: number; height: number } | undefined;
  readonly decode: (bytes: Uint8Array, maxPixels: number) => Promise<RgbaImage>;
}

/** Default bound on one image's pixels (width × height) before it is decoded: 40 megapixels. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/**
 * The image formats the importer reads, keyed by name: file extensions, magic bytes, decoder.
 * @example IMAGE_FORMATS.png.extensions // ['.png']
 */
export const IMAGE_FORMATS = {
  png: {
    extensions: ['.png'],
    magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    // IHDR is the first chunk: width and height are big-endian at bytes 16 and 20.
    dimensions: (bytes) => (bytes.length < 24 ? undefined : { width: readU32BE(bytes, 16), height: readU32BE(bytes, 20) }),
    decode: async (bytes) => {
      // Loaded on first use: pngjs needs Node's zlib and streams, which a browser bundle must not pull in up front.
      const { PNG } = await import('pngjs');
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    },
  },
  jpeg: {
    extensions: ['.jpg', '.jpeg'],
    magic: [0xff, 0xd8, 0xff],
    dimensions: jpegDimensions,
    decode: async (bytes, maxPixels) => {
      const { default: jpeg } = await import('jpeg-js');
      const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxPixels / 1e6 });
      return { width: image.width, height: image.height, data: image.data };
    },
  },
} as const satisfies Record<string, ImageFormat>;

/** A format name of {@link IMAGE_FORMATS}. */
export type ImageFormatName = keyof typeof IMAGE_FORMATS;

/**
 * The format a file name's extension claims (case-insensitive), or undefined for any other file.
 * @example imageFormatOfName('cat/001.JPG') // 'jpeg'
 */
export function imageFormatOfName(path: string): ImageFormatName | undefined {
  const lower = path.toLowerCase();
  return (Object.keys(IMAGE_FORMATS) as ImageFormatName[]).find((name) => IMAGE_FORMATS[name].extensions.some((ext) => lower.endsWith(ext)));
}

/**
 * Decodes a PNG or JPEG (recognised by its magic bytes, whatever its name) to RGBA. The header's
 * width × height is checked against `maxPixels` before any pixel is decoded
 * ('DATA_IMAGE_TOO_LARGE'); anything unreadable gives 'DATA_IMAGE_DECODE' naming `path`.
 * @example const { width, height, data } = await decodeImage(bytes, 'cat/001.png');
 */
export async function decodeImage(bytes: Uint8Array, path: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbaImage> {
  const name = (Object.keys(IMAGE_FORMATS) as ImageFormatName[]).find((n) => IMAGE_FORMATS[n].magic.every((b, i) => bytes[i] === b));
  if (name === undefined) throw new DatasetImportError('DATA_IMAGE_DECODE', 'neither a PNG nor a JPEG file (unrecognised first bytes)', { file: path });
  const format: ImageFormat = IMAGE_FORMATS[name];
  const size = format.dimensions(bytes);
  if (size === undefined || size.width === 0 || size.height === 0) throw new DatasetImportError('DATA_IMAGE_DECODE', `a damaged ${name.toUpperCase()} header`, { file: path });
  if (size.width * size.height > maxPixels) {
    throw new DatasetImportError('DATA_IMAGE_TOO_LARGE', `${size.width}×${size.height} pixels, past the limit of ${maxPixels}`, { file: path });
  }
  let image: RgbaImage;
  try {
    image = await format.decode(bytes, maxPixels);
  } catch (e) {
    throw new DatasetImportError('DATA_IMAGE_DECODE', `not a readable ${name.toUpperCase()} (${e instanceof Error ? e.message : String(e)})`, { file: path });
  }
  if (image.data.length !== image.width * image.height * 4) throw new DatasetImportError('DATA_IMAGE_DECODE', `the decoder returned ${image.data.length} bytes for ${image.width}×${image.height} RGBA`, { file: path });
  return image;
}

function readU32BE(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** Walks the JPEG markers to the first start-of-frame (SOF0–SOF15 but DHT, JPG, DAC) and reads its size. */
function jpegDimensions(bytes: Uint8Array): { width: number; height: number } | undefined {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[at + 5]! << 8) | bytes[at + 6]!, width: (bytes[at + 7]! << 8) | bytes[at + 8]! };
    }
    at += 2 + length;
  }
  return undefined;
}
