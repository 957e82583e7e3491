// What the fleet CLI prints: a line per round (with ε for a DP task), baseline progress, and notes.

import type { RoundLine } from './nodeFleet.ts';

export interface FleetReporter {
  info(text: string): void;
  warn(text: string): void;
  round(text: string): void;
  baseline(epoch: Record<string, unknown>): void;
}

const fixed = (v: number | null, digits = 4) => (v === null ? '   —  ' : v.toFixed(digits));

/**
 * Bytes as people read them, in powers of 1000 (what a link's kbit/s is counted in).
 * @example formatBytes(1_234_567) // '1.23 MB'
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toPrecision(3)} ${units[unit]}`;
}

/**
 * One round as the CLI prints it: what its clients did, the model's accuracy, the bytes the round
 * carried up (updates) and down (models), the version it committed and, for an asynchronous commit,
 * its buffer's size and staleness; a DP task's line ends with the ε spent so far.
 * @example formatRoundLine(toRoundLine(event.data)) // 'round    3  selected   4 … acc 0.8120 … ↑ 318 kB ↓ 1.27 MB  v3  2.1 s  ε 4.851'
 */
export function formatRoundLine(r: RoundLine): string {
  const epsilon = r.epsilon === null ? '' : `  ε ${r.epsilon.toFixed(3)}`;
  const head = `round ${String(r.round).padStart(4)}  selected ${String(r.selected).padStart(3)}  reported ${String(r.reported).padStart(3)}  dropped ${String(r.dropped).padStart(2)}`;
  if (r.outcome !== 'committed') return `${head}  abandoned: ${r.reason ?? ''}  (${(r.durationMs / 1000).toFixed(1)} s)${epsilon}`;
  const delta = r.delta === null ? 'δ   —   ' : `δ ${r.delta >= 0 ? '+' : ''}${r.delta.toFixed(4)}`;
  const traffic = r.bytesUp === null || r.bytesDown === null ? '' : `  ↑ ${formatBytes(r.bytesUp)} ↓ ${formatBytes(r.bytesDown)}`;
  const version = r.modelVersion === null ? '' : `  v${r.modelVersion}`;
  // An asynchronous commit: K updates, their staleness in versions (mean / max).
  const buffer = r.buffer === null ? '' : `  K ${r.buffer.size} τ ${r.buffer.meanStaleness.toFixed(1)}/${r.buffer.maxStaleness}`;
  return `${head}  acc ${fixed(r.testAccuracy)}  loss ${fixed(r.testLoss)}  ${delta}${traffic}${version}${buffer}  ${(r.durationMs / 1000).toFixed(1)} s${epsilon}`;
}

/**
 * One line per federated evaluation (an `evaluation.completed` event): the weighted metric over the
 * clients that reported and its spread, the accuracy to read for a task without a central test set.
 * @example formatEvaluationLine(event.data) // 'evaluation of round 3: accuracy 0.8120 on 4 clients (min 0.7500, median 0.8200, max 0.9000)'
 */
export function formatEvaluationLine(d: Readonly<Record<string, unknown>>): string {
  const metric = String(d.metric ?? 'accuracy');
  const value = d[metric];
  const spread = d.spread as { min: number; median: number; max: number } | null | undefined;
  const range = spread ? ` (min ${spread.min.toFixed(4)}, median ${spread.median.toFixed(4)}, max ${spread.max.toFixed(4)})` : '';
  return `evaluation of round ${Number(d.round)}: ${metric} ${typeof value === 'number' ? value.toFixed(4) : '—'} on ${Number(d.clients)} clients${range}`;
}

export function consoleReporter(stream: NodeJS.WriteStream = process.stdout): FleetReporter {
  return {
    info: (t) => stream.write(`• ${t}\n`),
    warn: (t) => stream.write(`! ${t}\n`),
    round: (t) => stream.write(`${t}\n`),
    baseline: (e) => stream.write(`  baseline epoch ${e.epoch}/${e.maxEpochs}: validation accuracy ${Number(e.valAccuracy).toFixed(4)}\n`),
  };
}
