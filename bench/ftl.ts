// Federated transfer learning on a simulated MNIST split (10 % overlap): Paillier-protected FTL against plaintext FTL, chance and the guest alone.
import { createFtl, ftlBaselines, runFtlStep, ftlDataOf, PlainFtl, scoreAccuracy, simulateFtlMnist, standardizedTables } from '@flotilla/vertical';
import { round, writeResult } from './support.ts';

// 2000 MNIST rows, 10 % at both parties: ~200 overlap rows (4 steps of 64 per epoch), ~900 host-only rows to label.
const SIMULATION = { rows: 2000, overlap: 0.1, seed: 1 };
const CONFIG = { dim: 8, hidden: 16, batchSize: 64, learningRate: 0.3, gamma: 0.01, seed: 1 };
const EPOCHS = 8;
const KEY_BITS = 1024;

/** Runs the benchmark and writes bench/results/ftl.json. */
export async function runFtlBench(): Promise<object> {
  const tables = standardizedTables(await simulateFtlMnist(SIMULATION));
  const data = ftlDataOf(tables);
  const hostOnly = tables.host.testFeatures;
  const truth = tables.host.testLabels;
  process.stdout.write(`ftl: guest ${tables.guest.ids.length} rows, host ${tables.host.ids.length}, overlap ${data.overlapRows.length}, host-only ${truth.length}\n`);

  const plain = new PlainFtl(data, CONFIG);
  const plainEpochMs: number[] = [];
  const plainAccuracy: number[] = [];
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    const t = performance.now();
    for (let s = 0; s < plain.stepsPerEpoch; s++) plain.step();
    plainEpochMs.push(performance.now() - t);
    plainAccuracy.push(scoreAccuracy(plain.scores(hostOnly), truth));
  }

  const keyStart = performance.now();
  const parties = await createFtl(data, CONFIG, KEY_BITS, EPOCHS);
  const keyMs = performance.now() - keyStart;
  const encryptedEpochMs: number[] = [];
  const bytes = { total: 0 };
  let loss = 0;
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    const t = performance.now();
    loss = 0;
    for (let s = 0; s < parties.guest.stepsPerEpoch; s++) loss += (await runFtlStep(parties, (json) => { bytes.total += json.length; })).loss;
    encryptedEpochMs.push(performance.now() - t);
    process.stdout.write(`ftl: encrypted epoch ${epoch}/${EPOCHS} ${round(encryptedEpochMs.at(-1)! / 1000, 1)} s, loss ${round(loss / parties.guest.stepsPerEpoch, 4)}\n`);
  }
  const scoreStart = performance.now();
  const masked = parties.host.maskedScores(JSON.parse(JSON.stringify(parties.guest.predictor('final'))) as Record<string, unknown>, hostOnly);
  const decrypted = await parties.guest.decryptScores(JSON.parse(JSON.stringify(masked)) as Record<string, unknown>, 'final', truth.length);
  const scores = parties.host.scores(JSON.parse(JSON.stringify(decrypted)) as Record<string, unknown>);
  const scoringMs = performance.now() - scoreStart;
  const encryptedAccuracy = scoreAccuracy(scores, truth);

  const baselines = ftlBaselines(await simulateFtlMnist(SIMULATION), CONFIG, EPOCHS).at(-1)!;
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const report = {
    simulation: SIMULATION,
    config: CONFIG,
    epochs: EPOCHS,
    keyBits: KEY_BITS,
    rows: { guest: tables.guest.ids.length, host: tables.host.ids.length, overlap: data.overlapRows.length, hostOnly: truth.length },
    accuracyOnHostOnlyRows: {
      encryptedFtl: round(encryptedAccuracy, 4),
      plaintextFtl: round(plainAccuracy.at(-1)!, 4),
      gapPp: round((plainAccuracy.at(-1)! - encryptedAccuracy) * 100, 2),
      pooledUpperBound: round(baselines.centralised, 4),
      guestPrior: round(baselines.guestPrior, 4),
      chance: 0.5,
    },
    guestAloneOnItsOwnTestRows: round(baselines.labelHolderAlone, 4),
    plaintextAccuracyPerEpoch: plainAccuracy.map((a) => round(a, 4)),
    costPerEpoch: {
      plaintextMs: round(mean(plainEpochMs), 1),
      encryptedMs: round(mean(encryptedEpochMs), 1),
      ratio: round(mean(encryptedEpochMs) / mean(plainEpochMs), 0),
      bytesPerEpoch: Math.round(bytes.total / EPOCHS),
    },
    once: { keyGenerationMs: round(keyMs, 0), scoringHostOnlyRowsMs: round(scoringMs, 0) },
  };
  const file = await writeResult('ftl', report);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\nwrote ${file}\n`);
  return report;
}
