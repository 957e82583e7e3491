export { runFleet } from './runFleet.ts';
export { parseFleetArgs, USAGE } from './args.ts';
export type { FleetArgs } from './args.ts';
export type { FleetSummary } from './summary.ts';
export type { FleetReporter } from './report.ts';
export { nodePaillierPool } from './vertical/paillierPool.ts';
export { runLoad } from './load/loadRun.ts';
export type { LoadOptions } from './load/loadRun.ts';
export type { LoadSnapshot } from './load/loadStats.ts';
