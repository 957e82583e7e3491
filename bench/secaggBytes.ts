// Bytes each client sends per round under secure aggregation, float32 words against int8 quantised
// fixed point (8 + ⌈log2 n⌉ bits a coordinate), side by side over loopback sockets with the 2NN's
// 199,210 weights; writes bench/results/secagg-bytes.json.

import { socketRounds } from './secaggRound.ts';
import { round, writeResult } from './support.ts';

/**
 * One secure round per (n, uplink) and the ratio of bytes up per client, float32 / int8.
 * @example const results = await runSecAggBytesBench();
 */
export async function runSecAggBytesBench(sizes = [4, 10, 25]): Promise<object> {
  const started = performance.now();
  const rows = await socketRounds(sizes, ['full', 'plus'], ['float32', 'int8']);
  const comparison = sizes.flatMap((n) => (['full', 'plus'] as const).map((mode) => {
    const of = (uplink: 'float32' | 'int8') => rows.find((r) => r.n === n && r.mode === mode && r.uplink === uplink)!;
    const [f, q] = [of('float32'), of('int8')];
    return {
      n, mode, ringBits: 8 + Math.ceil(Math.log2(n)),
      float32BytesPerClient: f.bytesUpPerClient, int8BytesPerClient: q.bytesUpPerClient, fewerBytes: round(f.bytesUpPerClient / q.bytesUpPerClient, 2),
      float32RoundMs: f.roundMs, int8RoundMs: q.roundMs, outcomes: `${f.outcome}/${q.outcome}`,
    };
  }));
  console.log('\nBytes up per client per round under secure aggregation (2NN, 199,210 weights; every SecAgg message counted)');
  console.table(comparison);
  const results = { node: process.version, rows, comparison, totalSeconds: (performance.now() - started) / 1000 };
  await writeResult('secagg-bytes', results);
  return results;
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  await runSecAggBytesBench();
}
