// A 3-channel image task on the join page: the welcome brings an 8×8 RGB schema with two
// classes, the page offers a folder of class folders, decodes the 16×16 PNGs generated here,
// resizes them to 8×8, shows thumbnails, holds out its evaluation share and trains a round; a
// folder that is not one of the classes gets a coded error naming the file and the folder.

import { rmSync } from 'node:fs';
import path from 'node:path';
import { WASM, eventually, expect, test } from './fixtures.ts';
import { rgbPng, writeTree } from './support/digitFiles.ts';

const SCHEMA = { kind: 'image', height: 8, width: 8, channels: 3, classes: ['red', 'blue'] };
const TASK = {
  name: 'e2e: colour photos of your own',
  model: { kind: 'schema', architecture: 'cnn', options: { filters: [4, 8], denseUnits: 8 } },
  data: { schema: SCHEMA, partition: { kind: 'iid', numClients: 1, seed: 3 }, simulation: false, clientTestFraction: 0.2 },
  evaluation: { federated: { enabled: true, everyRounds: 1, fractionClients: 1, minClients: 1, deadlineMs: 30_000 } },
  fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 1, epochs: 2, batchSize: 5, learningRate: 0.1 },
  stop: { maxRounds: 1, roundDeadlineMs: 60_000, minReports: 1 },
  baseline: { enabled: false },
};

// A 16×16 photo mostly of one colour, with a deterministic speckle so no two are the same.
function photo(colour: 'red' | 'blue', seed: number): Buffer {
  const rgb = new Uint8Array(16 * 16 * 3);
  for (let p = 0; p < 256; p++) {
    const speckle = (p * 37 + seed * 11) % 60;
    rgb.set(colour === 'red' ? [200 + (speckle % 50), speckle, speckle] : [speckle, speckle, 200 + (speckle % 50)], p * 3);
  }
  return rgbPng(16, 16, rgb);
}

test('a Chromium tab reads a folder of class folders, resized to the task\'s 8×8 RGB, and trains a round of it', async ({ coordinator, tabs }) => {
  test.setTimeout(150_000);
  const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => {
    const colour = i % 2 === 0 ? 'red' : 'blue';
    return [`photos/${colour}/${i}.png`, photo(colour, i)];
  }));
  const tree = writeTree({ ...files, 'photos/.DS_Store': 'finder metadata' });
  try {
    const taskId = (await coordinator.api.request<{ id: string }>('/api/tasks', { method: 'POST', body: TASK })).id;
    const join = await tabs.openOwn({ task: taskId, ...WASM });
    await expect(join.schema).toHaveAttribute('data-kind', 'image', { timeout: 60_000 });
    await expect(join.schema).toContainText('images of 8×8×3, classes red, blue');
    await expect(join.drawCanvas).toHaveCount(0);

    await join.folderInput.setInputFiles(path.join(tree, 'photos'));
    await expect(join.filesCount).toHaveAttribute('data-count', '20');
    await expect(join.labelCounts).toHaveText('Per class: red: 10 · blue: 10');
    await expect(join.preview).toHaveAttribute('data-kind', 'images');
    await expect(join.preview.locator('canvas')).toHaveCount(6);
    // Each thumbnail is a photo resized to 8×8 with its colours kept: red or blue, never green.
    const pixels = await join.preview.locator('canvas').evaluateAll((all) => all.map((c) => [...(c as HTMLCanvasElement).getContext('2d')!.getImageData(3, 3, 1, 1).data]));
    for (const [r, g, b] of pixels) {
      expect(Math.max(r!, b!)).toBeGreaterThan(150);
      expect(Math.abs(r! - b!)).toBeGreaterThan(100);
      expect(g!).toBeLessThan(100);
    }
    await expect(join.data).toContainText('16 to train on, 4 held out');

    await coordinator.api.request(`/api/tasks/${taskId}/start`, { method: 'POST' });
    const round = await eventually(async () => (await coordinator.api.rounds(taskId)).find((r) => r.round === 1), 90_000, 'round 1 to end');
    expect(round.outcome).toBe('committed');
    expect((await coordinator.api.round(taskId, 1)).clients.map((c) => c.numExamples)).toEqual([16]);
    await expect(join.evaluations.first()).toHaveAttribute('data-outcome', 'reported', { timeout: 60_000 });
    await expect(join.evaluations.first()).toContainText('on 4 examples');
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});

test('a folder that is not one of the task\'s classes is refused, naming the file and the folder', async ({ coordinator, tabs }) => {
  test.setTimeout(90_000);
  const tree = writeTree({ 'photos/red/a.png': photo('red', 1), 'photos/green/b.png': photo('blue', 2) });
  try {
    const taskId = (await coordinator.api.request<{ id: string }>('/api/tasks', { method: 'POST', body: TASK })).id;
    const join = await tabs.openOwn({ task: taskId, ...WASM });
    await expect(join.schema).toHaveAttribute('data-kind', 'image', { timeout: 60_000 });

    await join.folderInput.setInputFiles(path.join(tree, 'photos'));
    await expect(join.dataError).toContainText('FLT_NO_LABELS: photos/green/b.png: folder "green" is not one of the task\'s classes (red, blue)');
    await expect(join.filesCount).toHaveAttribute('data-count', '0');
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});
