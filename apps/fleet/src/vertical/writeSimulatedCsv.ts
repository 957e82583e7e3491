// `npm run vertical-party -- --write-simulated-csv DIR [--rows N] [--task digits|pooled-binary]`: the simulated MNIST
// party tables as CSV, to try an own-data job end to end.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatPartyCsv, simulateVerticalMnist } from '@flotilla/data';
import type { VerticalSimulation } from '@flotilla/data';

/**
 * Writes DIR/guest.csv (id, the left pixel columns, label) and DIR/host.csv (id, the right pixel
 * columns) from the simulated split; only the training rows (an own-data job holds out validation
 * rows itself). Returns the two paths.
 * @example await writeSimulatedCsv('/tmp/vfl', { rows: 400, task: 'digits' });
 */
export async function writeSimulatedCsv(dir: string, options: VerticalSimulation = {}): Promise<{ guest: string; host: string }> {
  const { guest, host } = await simulateVerticalMnist({ ...options, testRows: 1 });
  await mkdir(dir, { recursive: true });
  const files = { guest: path.join(dir, 'guest.csv'), host: path.join(dir, 'host.csv') };
  // g1…, h1…: a feature column's name tells which party's file it came from.
  await writeFile(files.guest, formatPartyCsv({ ids: guest.ids, features: guest.features, featureCount: guest.featureCount, labels: guest.labels! }, names('g', guest.featureCount)));
  await writeFile(files.host, formatPartyCsv({ ids: host.ids, features: host.features, featureCount: host.featureCount }, names('h', host.featureCount)));
  return files;
}

const names = (prefix: string, d: number): string[] => Array.from({ length: d }, (_, k) => `${prefix}${k + 1}`);
