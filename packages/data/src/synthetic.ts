// Small synthetic datasets of every schema kind, generated from a seed: a clinics table, coloured
// shape images and a sentence corpus. Demos, tests and benchmarks use them where no real dataset
// may be fetched; each has a learnable signal and a known majority class to beat.

import { createRng, type Rng } from '@flotilla/core';
import { zipSync } from 'fflate';
import { PNG } from 'pngjs';

export interface SyntheticClinicsOptions {
  readonly rows: number;
  /** Clinics named clinic-a, clinic-b, …; each has its own mix of patients (a natural non-IID split). */
  readonly clinics: number;
  readonly seed: number;
}

/**
 * A CSV of patients: numeric `age`, `bmi`, `pressure`, categorical `smoker` (yes/no) and
 * `activity` (low/medium/high), the `clinic` each row belongs to, and the label `outcome`
 * (healthy/at-risk) drawn from a logistic model of the features, so about 85 % is learnable.
 * @example const csv = syntheticClinicsCsv({ rows: 800, clinics: 4, seed: 1 });
 */
export function syntheticClinicsCsv(options: SyntheticClinicsOptions): string {
  const rng = createRng(options.seed);
  const lines = ['age,bmi,pressure,smoker,activity,clinic,outcome'];
  for (let i = 0; i < options.rows; i++) {
    const clinic = Math.floor(rng() * options.clinics);
    // Each clinic sees older or younger patients: the clients' feature distributions differ.
    const age = clamp(35 + clinic * 6 + gaussian(rng) * 12, 18, 95);
    const bmi = clamp(26 + gaussian(rng) * 4, 15, 50);
    const pressure = clamp(120 + (age - 50) * 0.4 + gaussian(rng) * 12, 80, 200);
    const smoker = rng() < 0.3;
    const activity = ['low', 'medium', 'high'][Math.floor(rng() * 3)]!;
    const score = 0.06 * (age - 50) + 0.15 * (bmi - 26) + 0.03 * (pressure - 125) + (smoker ? 1.2 : 0)
      + (activity === 'low' ? 0.8 : activity === 'high' ? -0.8 : 0) + gaussian(rng) * 0.6;
    const outcome = score > 0 ? 'at-risk' : 'healthy';
    lines.push([age.toFixed(1), bmi.toFixed(1), pressure.toFixed(0), smoker ? 'yes' : 'no', activity, `clinic-${String.fromCharCode(97 + clinic)}`, outcome].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The shapes of {@link syntheticShapeImages}, one class each. */
export const SYNTHETIC_SHAPES = ['circle', 'cross', 'square', 'triangle'] as const;

export interface SyntheticShapesOptions {
  readonly perClass: number;
  /** Width and height in pixels. */
  readonly size: number;
  readonly seed: number;
}

/**
 * RGB PNG images of one shape each (circle, cross, square, triangle) in a random colour, size and
 * position over a noisy background, as an image folder: paths `<shape>/<n>.png`.
 * @example const files = syntheticShapeImages({ perClass: 60, size: 16, seed: 3 }); // 240 files
 */
export function syntheticShapeImages(options: SyntheticShapesOptions): { path: string; bytes: Uint8Array }[] {
  const rng = createRng(options.seed);
  const { size } = options;
  const files: { path: string; bytes: Uint8Array }[] = [];
  for (let n = 0; n < options.perClass; n++) {
    for (const shape of SYNTHETIC_SHAPES) {
      const png = new PNG({ width: size, height: size });
      const colour = [rng(), rng(), rng()].map((c) => 80 + Math.floor(c * 175));
      const radius = size * (0.25 + rng() * 0.12);
      const cx = size / 2 + (rng() - 0.5) * size * 0.2;
      const cy = size / 2 + (rng() - 0.5) * size * 0.2;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const inside = insideShape(shape, (x + 0.5 - cx) / radius, (y + 0.5 - cy) / radius);
          const at = (y * size + x) * 4;
          for (let c = 0; c < 3; c++) {
            const background = 20 + Math.floor(rng() * 40);
            png.data[at + c] = inside ? colour[c]! : background;
          }
          png.data[at + 3] = 255;
        }
      }
      files.push({ path: `${shape}/${String(n).padStart(4, '0')}.png`, bytes: new Uint8Array(PNG.sync.write(png)) });
    }
  }
  return files;
}

/**
 * An image folder as one zip archive (what a person uploads instead of a folder).
 * @example const zip = zipFolder(syntheticShapeImages({ perClass: 10, size: 16, seed: 1 }));
 */
export function zipFolder(files: readonly { path: string; bytes: Uint8Array }[]): Uint8Array {
  return zipSync(Object.fromEntries(files.map((f) => [f.path, f.bytes])));
}

const SUBJECTS = ['the cat', 'a dog', 'the bird', 'my friend', 'the ship', 'a child'];
const VERBS = ['sees', 'finds', 'likes', 'follows', 'helps', 'hears'];
const OBJECTS = ['the moon', 'a tree', 'the river', 'an apple', 'the sea', 'a song'];

/**
 * Sentences from a tiny grammar (subject verb object.), lower-case: a character model learns
 * its words and spaces within a few rounds.
 * @example const corpus = syntheticCorpus({ sentences: 400, seed: 2 });
 */
export function syntheticCorpus(options: { sentences: number; seed: number }): string {
  const rng = createRng(options.seed);
  const pick = (words: readonly string[]): string => words[Math.floor(rng() * words.length)]!;
  const out: string[] = [];
  for (let i = 0; i < options.sentences; i++) out.push(`${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}.`);
  return `${out.join(' ')}\n`;
}

function insideShape(shape: (typeof SYNTHETIC_SHAPES)[number], u: number, v: number): boolean {
  switch (shape) {
    case 'circle':
      return u * u + v * v <= 1;
    case 'square':
      return Math.abs(u) <= 0.8 && Math.abs(v) <= 0.8;
    case 'cross':
      return (Math.abs(u) <= 0.28 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.28 && Math.abs(u) <= 1);
    case 'triangle':
      return v <= 0.8 && v >= -1 && Math.abs(u) <= (v + 1) / 1.8 * 0.9;
    default: {
      const never: never = shape;
      throw new Error(`unknown shape ${String(never)}`);
    }
  }
}

function gaussian(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
