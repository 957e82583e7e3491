// A Node fleet on its own files against a coordinator it starts: each client reads its folder of
// images with the task's schema, the one whose folder does not fit does not join, and the others
// train real rounds over loopback sockets with no partition served by the coordinator.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MNIST_SCHEMA } from '@flotilla/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFleetArgs } from './args.ts';
import type { FleetReporter } from './report.ts';
import { runFleet } from './runFleet.ts';
import { grayPng } from './testing/grayPng.ts';

/** A 28×28 "digit" of class k: a bright horizontal band whose place says the class, plus deterministic speckle. */
function bandImage(k: number, seed: number): number[][] {
  return Array.from({ length: 28 }, (_, y) => Array.from({ length: 28 }, (_, x) => (y >= 3 + 8 * k && y < 9 + 8 * k ? 230 : ((x * 7 + y * 13 + seed * 31) % 17) * 3)));
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-own-data-fleet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a Node fleet on its own files (--data DIR)', () => {
  it('loads each client\'s folder with the task\'s schema, leaves out the one that does not fit and trains the others', async () => {
    // Arrange: three phones with class folders 0, 1, 2 and a fourth with a folder the schema does not know.
    for (const phone of ['phone-a', 'phone-b', 'phone-c']) {
      for (const k of [0, 1, 2]) {
        mkdirSync(path.join(dir, 'clients', phone, String(k)), { recursive: true });
        for (let i = 0; i < 4; i++) writeFileSync(path.join(dir, 'clients', phone, String(k), `${i}.png`), grayPng(bandImage(k, i + phone.length)));
      }
    }
    mkdirSync(path.join(dir, 'clients', 'phone-d', 'cat'), { recursive: true });
    writeFileSync(path.join(dir, 'clients', 'phone-d', 'cat', '1.png'), grayPng(bandImage(0, 1)));
    writeFileSync(path.join(dir, 'schema.json'), JSON.stringify(MNIST_SCHEMA));
    const lines: string[] = [];
    const reporter: FleetReporter = { info: (t) => lines.push(t), warn: (t) => lines.push(t), round: () => {}, baseline: () => {} };
    const args = parseFleetArgs([
      '--node', '--data', path.join(dir, 'clients'), '--schema', path.join(dir, 'schema.json'), '--model', 'mnist-2nn',
      '--threads', '1', '--fraction', '1', '--rounds', '2', '--target', '0', '--test-limit', '100', '--lr', '0.1',
    ], {});

    // Act
    const summary = await runFleet(args, reporter);

    // Assert
    expect(lines).toContain('client phone-a: phone-a/, 12 images: 0 4, 1 4, 2 4');
    expect(lines.some((l) => l.startsWith('client phone-d: not joining — DATA_IMAGE_UNKNOWN_CLASS: phone-d/cat/1.png'))).toBe(true);
    expect(summary.clients).toBe(3);
    expect(summary.config).toMatchObject({ data: { schema: MNIST_SCHEMA, simulation: false }, baseline: { enabled: false } });
    expect(summary.rounds.map((r) => [r.outcome, r.reported])).toEqual([['committed', 3], ['committed', 3]]);
    expect(summary.rounds.every((r) => r.trainLoss !== null && Number.isFinite(r.trainLoss))).toBe(true);
  }, 120_000);
});
