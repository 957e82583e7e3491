// `npm run bench [-- name…]`: runs the benchmarks one after another (each writes its JSON to
// bench/results/). Names: aggregation, backends, dpsgd, mcmahan, robust, secagg, paillier, psi, vertical,
// ftl, browser, browser-emulation, datasets, compression, personalization, async, work, contribution.

const benches: Record<string, () => Promise<unknown>> = {
  aggregation: async () => (await import('./aggregation.ts')).runAggregationBench(),
  backends: async () => (await import('./backends.ts')).runBackendsBench(),
  dpsgd: async () => (await import('./dpsgd.ts')).runDpSgdBench(),
  mcmahan: async () => (await import('./mcmahan.ts')).runMcMahanBench(),
  robust: async () => (await import('./robust.ts')).runRobustBench(),
  secagg: async () => (await import('./secagg.ts')).runSecAggPrimitivesBench(),
  paillier: async () => (await import('./paillier.ts')).runPaillierBench(),
  psi: async () => (await import('./psi.ts')).runPsiBench(),
  vertical: async () => (await import('./vertical.ts')).runVerticalBench(),
  ftl: async () => (await import('./ftl.ts')).runFtlBench(),
  browser: async () => (await import('./browser.ts')).runBrowserBench(),
  'browser-emulation': async () => (await import('./browserEmulation.ts')).runBrowserEmulationBench(),
  datasets: async () => (await import('./datasets.ts')).runDatasetsBench(),
  compression: async () => (await import('./compression.ts')).runCompressionBench(),
  personalization: async () => (await import('./personalization.ts')).runPersonalizationBench(),
  async: async () => (await import('./async.ts')).runAsyncBench(),
  work: async () => (await import('./work.ts')).runWorkBench(),
  contribution: async () => (await import('./contribution.ts')).runContributionBench(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !(n in benches));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}\n`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : Object.keys(benches)) {
  process.stdout.write(`\n=== ${name} ===\n`);
  await benches[name]!();
}
