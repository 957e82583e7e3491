export { createRng, shuffleInPlace, sampleWithoutReplacement } from './random.ts';
export type { Rng } from './random.ts';
