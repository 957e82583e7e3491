// Decoded RGBA pixels to a schema's example: alpha composited, converted to its channels, resized, in [0, 1].

import type { RgbaImage } from './imageDecode.ts';

/** What shows through transparent pixels; black by default, so a transparent background reads as MNIST's 0. */
export type ImageBackground = 'black' | 'white';

// ITU-R BT.601 luma, as PIL's convert('L') and tf.image.rgb_to_grayscale weigh red, green and blue.
const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * RGBA bytes as [height, width, channels] floats in [0, 1]: each colour is composited over
 * `background` by its alpha (c·α + bg·(1 − α)), then RGB becomes gray by BT.601 luma
 * (0.299 R + 0.587 G + 0.114 B) for 1 channel, or is kept for 3; a gray image decodes with
 * R = G = B, so for 3 channels it is repeated.
 * @example toChannels({ width: 1, height: 1, data: Uint8Array.of(255, 0, 0, 255) }, 1) // Float32Array [0.299]
 */
export function toChannels(image: RgbaImage, channels: 1 | 3, background: ImageBackground = 'black'): Float32Array {
  const pixels = image.width * image.height;
  const out = new Float32Array(pixels * channels);
  const bg = background === 'white' ? 1 : 0;
  for (let p = 0; p < pixels; p++) {
    const alpha = image.data[p * 4 + 3]! / 255;
    const r = (image.data[p * 4]! / 255) * alpha + bg * (1 - alpha);
    const g = (image.data[p * 4 + 1]! / 255) * alpha + bg * (1 - alpha);
    const b = (image.data[p * 4 + 2]! / 255) * alpha + bg * (1 - alpha);
    if (channels === 1) out[p] = LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
    else {
      out[p * 3] = r;
      out[p * 3 + 1] = g;
      out[p * 3 + 2] = b;
    }
  }
  return out;
}

/** For each output index along one axis: the source indices it reads and their weights (summing to 1). */
type AxisWeights = { index: number[]; weight: number[] }[];

/**
 * Weights that map `from` samples to `to` along one axis. Shrinking averages by area: output j
 * covers source [j·s, (j + 1)·s) with s = from / to, each source pixel weighted by its overlap
 * (OpenCV's INTER_AREA), so no detail aliases away. Enlarging is bilinear with pixel centres
 * aligned (x = (j + ½)·s − ½, clamped at the edges), as tf.image.resizeBilinear with halfPixelCenters.
 */
function axisWeights(from: number, to: number): AxisWeights {
  const scale = from / to;
  const axis: AxisWeights = [];
  for (let j = 0; j < to; j++) {
    if (to === from) axis.push({ index: [j], weight: [1] });
    else if (to < from) {
      const start = j * scale;
      const end = (j + 1) * scale;
      const index: number[] = [];
      const weight: number[] = [];
      for (let i = Math.floor(start); i < Math.min(Math.ceil(end), from); i++) {
        const overlap = Math.min(end, i + 1) - Math.max(start, i);
        if (overlap > 1e-9) {
          index.push(i);
          weight.push(overlap / scale);
        }
      }
      axis.push({ index, weight });
    } else {
      const x = Math.min(Math.max((j + 0.5) * scale - 0.5, 0), from - 1);
      const i0 = Math.floor(x);
      const f = x - i0;
      axis.push(f === 0 ? { index: [i0], weight: [1] } : { index: [i0, i0 + 1], weight: [1 - f, f] });
    }
  }
  return axis;
}

/**
 * Resizes [height, width, channels] floats to [toHeight, toWidth, channels], one axis at a
 * time (area when shrinking, bilinear when enlarging, see {@link axisWeights}).
 * @example resizePixels(Float32Array.of(0, 1), 1, 2, 1, 1, 4) // [0, 0.25, 0.75, 1]
 */
export function resizePixels(pixels: Float32Array, height: number, width: number, channels: number, toHeight: number, toWidth: number): Float32Array {
  if (height === toHeight && width === toWidth) return pixels;
  const across = axisWeights(width, toWidth);
  const wide = new Float32Array(height * toWidth * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < toWidth; x++) {
      const { index, weight } = across[x]!;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < index.length; k++) sum += weight[k]! * pixels[(y * width + index[k]!) * channels + c]!;
        wide[(y * toWidth + x) * channels + c] = sum;
      }
    }
  }
  const down = axisWeights(height, toHeight);
  const out = new Float32Array(toHeight * toWidth * channels);
  for (let y = 0; y < toHeight; y++) {
    const { index, weight } = down[y]!;
    for (let i = 0; i < toWidth * channels; i++) {
      let sum = 0;
      for (let k = 0; k < index.length; k++) sum += weight[k]! * wide[index[k]! * toWidth * channels + i]!;
      // Weights sum to 1 up to rounding: keep pixels inside [0, 1].
      out[y * toWidth * channels + i] = Math.min(1, Math.max(0, sum));
    }
  }
  return out;
}
