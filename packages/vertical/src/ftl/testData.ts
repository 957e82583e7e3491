// A small synthetic two-view task for FTL tests: both parties see noisy linear views of one latent vector; the label is its sign.
import { createRng } from '@flotilla/core';
import type { FtlData } from './PlainFtl.ts';

/**
 * `guestRows` labelled guest rows of which the first `overlap` are also the host's, plus
 * `hostOnly` rows only the host has (their labels returned for scoring).
 * @example const { data, hostOnly, hostOnlyLabels } = syntheticFtl(200, 40, 100, 1);
 */
export function syntheticFtl(guestRows: number, overlap: number, hostOnly: number, seed: number): { data: FtlData; hostOnly: Float32Array; hostOnlyLabels: Uint8Array } {
  const rng = createRng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const latent = 4;
  const [gd, hd] = [6, 5];
  const projection = (d: number): number[] => Array.from({ length: d * latent }, gauss);
  const [pg, ph] = [projection(gd), projection(hd)];
  const view = (z: number[], p: number[], d: number): number[] => Array.from({ length: d }, (_, k) => z.reduce((s, v, l) => s + v * p[k * latent + l]!, 0) / 2 + 0.1 * gauss());
  const people = Array.from({ length: guestRows + hostOnly }, () => Array.from({ length: latent }, gauss));
  const label = (z: number[]): number => (z[0]! + z[1]! > 0 ? 1 : 0);
  const guest = people.slice(0, guestRows);
  const hostPeople = [...people.slice(0, overlap), ...people.slice(guestRows)];
  const data: FtlData = {
    guestFeatures: Float32Array.from(guest.flatMap((z) => view(z, pg, gd))),
    guestFeatureCount: gd,
    labels: Uint8Array.from(guest, label),
    hostOverlap: Float32Array.from(hostPeople.slice(0, overlap).flatMap((z) => view(z, ph, hd))),
    hostFeatureCount: hd,
    overlapRows: Array.from({ length: overlap }, (_, i) => i),
  };
  const rest = hostPeople.slice(overlap);
  return { data, hostOnly: Float32Array.from(rest.flatMap((z) => view(z, ph, hd))), hostOnlyLabels: Uint8Array.from(rest, label) };
}
