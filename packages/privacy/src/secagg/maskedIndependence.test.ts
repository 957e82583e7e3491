// Statistical tests that a masked upload is independent of the client's input.
import { describe, expect, it } from 'vitest';
import { encodeFixedPoint, fixedPointConfig } from '../fixedPoint.ts';
import { secAggParams } from './params.ts';
import { SecAggClient } from './SecAggClient.ts';
import { SecAggServer } from './SecAggServer.ts';

// What the server holds of one client is y_u = x_u + masks mod 2^32. If the masks are PRG outputs,
// y_u is uniform whatever x_u is (a one-time pad over Z_2^32), so y_u tells the server nothing.
// Each test below is a hypothesis test at false-alarm probability 1e-6, so it is not flaky.
const WORDS = 20_000;
/** χ²(255) quantile at 1 − 1e-6 (SciPy: chi2.ppf(1 - 1e-6, 255)). */
const CHI2_255_CRITICAL = 377.08;
/** Two-sided normal quantile at 1e-6 (norm.isf(0.5e-6)); Pearson r has sd 1/√N under independence. */
const Z_CRITICAL = 4.89;

/** The masked vector client 1 uploads for `input`, in a fresh 3-client round. */
async function maskedUpload(input: Uint32Array): Promise<Uint32Array> {
  const params = secAggParams({ clients: 3, vectorLength: input.length, threshold: 2 });
  const server = new SecAggServer(params);
  const clients = [1, 2, 3].map((id) => new SecAggClient(id, params));
  for (const c of clients) server.receiveAdvertise(await c.advertiseKeys());
  const keys = server.closeAdvertise();
  for (const c of clients) server.receiveShares(await c.shareKeys(keys.get(c.id)!));
  const boxes = server.closeShares();
  return (await clients[0]!.maskInput(boxes.get(1)!, input)).masked;
}

function topByteHistogram(words: Uint32Array): number[] {
  const h = new Array<number>(256).fill(0);
  for (const w of words) h[w >>> 24]!++;
  return h;
}

/** Pearson's χ² against the uniform distribution over the 256 top-byte values (255 df). */
function chiSquareUniform(words: Uint32Array): number {
  const expected = words.length / 256;
  return topByteHistogram(words).reduce((acc, o) => acc + (o - expected) ** 2 / expected, 0);
}

/** χ² test of homogeneity of two samples' top-byte histograms (255 df). */
function chiSquareTwoSample(a: Uint32Array, b: Uint32Array): number {
  const [ha, hb] = [topByteHistogram(a), topByteHistogram(b)];
  const [na, nb] = [a.length, b.length];
  let chi = 0;
  for (let i = 0; i < 256; i++) {
    const total = ha[i]! + hb[i]!;
    if (total === 0) continue;
    const ea = (total * na) / (na + nb);
    const eb = (total * nb) / (na + nb);
    chi += (ha[i]! - ea) ** 2 / ea + (hb[i]! - eb) ** 2 / eb;
  }
  return chi;
}

function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let [mx, my] = [0, 0];
  for (let i = 0; i < n; i++) [mx, my] = [mx + x[i]! / n, my + y[i]! / n];
  let [sxy, sxx, syy] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const [dx, dy] = [x[i]! - mx, y[i]! - my];
    [sxy, sxx, syy] = [sxy + dx * dy, sxx + dx * dx, syy + dy * dy];
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('a masked vector is statistically independent of the input', () => {
  const fp = fixedPointConfig({ clip: 1, maxSummands: 3 });
  // Two very different updates: all zeros, and a saw-tooth at ±clip with a slow ramp.
  const zeros = encodeFixedPoint(new Float64Array(WORDS), fp);
  const signal = Float64Array.from({ length: WORDS }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i / WORDS));
  const structured = encodeFixedPoint(signal, fp);

  it('the test has power: the unmasked structured input fails it', () => {
    expect(chiSquareUniform(structured)).toBeGreaterThan(CHI2_255_CRITICAL * 10);
  });

  it('is uniform over Z_2^32 (χ² on the top byte) for both inputs', async () => {
    const [ya, yb] = [await maskedUpload(zeros), await maskedUpload(structured)];

    expect(chiSquareUniform(ya)).toBeLessThan(CHI2_255_CRITICAL);
    expect(chiSquareUniform(yb)).toBeLessThan(CHI2_255_CRITICAL);
  });

  it('cannot tell the two inputs apart (two-sample χ²) and is uncorrelated with the input', async () => {
    const [ya, yb] = [await maskedUpload(zeros), await maskedUpload(structured)];
    const signedInput = Array.from(structured, (w) => w | 0);

    expect(chiSquareTwoSample(ya, yb)).toBeLessThan(CHI2_255_CRITICAL);
    expect(Math.abs(pearson(signedInput, yb))).toBeLessThan(Z_CRITICAL / Math.sqrt(WORDS));
    expect(Math.abs(pearson(signal, yb))).toBeLessThan(Z_CRITICAL / Math.sqrt(WORDS));
  });

  it('masks afresh every round: the same input uploads unrelated vectors', async () => {
    const [y1, y2] = [await maskedUpload(structured), await maskedUpload(structured)];

    expect(Math.abs(pearson(y1, y2))).toBeLessThan(Z_CRITICAL / Math.sqrt(WORDS));
  });
});
