// Helpers the benchmarks share: rounding and medians for the printed figures, synthetic MNIST-shaped
// data for throughput runs, the coordinator's REST API with the operator token, and the results files.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** `x` rounded to `digits` decimals, for tables and JSON. */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Deterministic pixels and labels of MNIST's shape: training throughput does not depend on the values. */
export function syntheticMnist(count: number): { features: Float32Array; labels: Uint8Array; count: number } {
  const features = new Float32Array(count * 784);
  for (let i = 0; i < features.length; i++) features[i] = (i * 2654435761) % 256 / 255;
  return { features, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count };
}

/** GET (or POST with a JSON body) against the coordinator with the operator token; throws on a non-2xx answer. */
export async function api<T>(url: string, token: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

/** Writes `report` as bench/results/NAME.json (the figures a closing note quotes) and returns the file's path. */
export async function writeResult(name: string, report: unknown): Promise<string> {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const path = `${dir}${name}.json`;
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
