// Tests for the task the fleet creates for `--data` clients and the schema it reads their files with.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MNIST_SCHEMA, type TabularSchema } from '@flotilla/protocol';
import { describe, expect, it } from 'vitest';
import { parseFleetArgs, UsageError } from './args.ts';
import { CoordinatorLink, DEFAULT_LINK } from './coordinatorLink.ts';
import { clientDataSchema, ownDataTask } from './ownData.ts';
import type { FleetReporter } from './report.ts';

const SCHEMA: TabularSchema = { kind: 'tabular', label: 'y', features: [{ name: 'x', kind: 'numeric' }], target: { type: 'classification', classes: ['a', 'b'] } };
const quiet: FleetReporter = { info: () => {}, warn: () => {}, round: () => {}, baseline: () => {} };

describe('ownDataTask', () => {
  it('carries the schema, no dataset and no simulation, sized to the clients that read their files', () => {
    const args = parseFleetArgs(['--node', '--data', 'dir', '--schema', 's.json', '--rounds', '3', '--seed', '7'], {});
    const task = ownDataTask(args.task, SCHEMA, 3, 0, 7);
    expect(task.data).toEqual({ dataset: null, schema: SCHEMA, partition: { kind: 'iid', numClients: 3, seed: 7 }, simulation: false, testLimit: 10000 });
    expect(task.model).toEqual({ kind: 'schema', architecture: 'mlp' });
    expect(task.baseline?.enabled).toBe(false);
    expect(task.fit).toMatchObject({ minFitClients: 2, minAvailableClients: 3 });
    expect(task.stop?.maxRounds).toBe(3);
  });

  it('keeps a model the flags name and picks a CNN for images by default', () => {
    const args = parseFleetArgs(['--node', '--data', 'dir', '--schema', 's.json', '--model', 'mnist-cnn'], {});
    expect(ownDataTask(args.task, SCHEMA, 2, 0, 1).model).toEqual({ kind: 'mnist-cnn' });
    const auto = parseFleetArgs(['--node', '--data', 'dir', '--schema', 's.json'], {});
    expect(ownDataTask(auto.task, { kind: 'image', height: 8, width: 8, channels: 3, classes: ['a', 'b'] }, 2, 0, 1).model).toEqual({ kind: 'schema', architecture: 'cnn' });
  });
});

describe('clientDataSchema from --schema FILE', () => {
  it('reads the JSON schema, and refuses a file that is not one with a usage error', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-schema-'));
    const link = new CoordinatorLink(quiet, new AbortController().signal, DEFAULT_LINK);
    try {
      writeFileSync(path.join(dir, 'ok.json'), JSON.stringify(SCHEMA));
      writeFileSync(path.join(dir, 'bad.json'), '{ "kind": "video" }');
      const args = (file: string) => parseFleetArgs(['--node', '--data', dir, '--schema', path.join(dir, file)], {});
      expect(await clientDataSchema(args('ok.json'), 'http://unused', null, link)).toEqual(SCHEMA);
      await expect(clientDataSchema(args('bad.json'), 'http://unused', null, link)).rejects.toThrow(UsageError);
      await expect(clientDataSchema(args('missing.json'), 'http://unused', null, link)).rejects.toThrow(UsageError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('clientDataSchema from the task joined with --task', () => {
  it('is the task\'s schema as the coordinator serves it, and MNIST\'s for a task stored before schemas', async () => {
    const tasks: Record<string, unknown> = { tab: { config: { data: { schema: SCHEMA } } }, old: { config: { data: {} } } };
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      const task = tasks[req.url!.replace('/api/tasks/', '')];
      res.writeHead(task ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(task ?? { code: 'FLT_NOT_FOUND', message: 'no task' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const link = new CoordinatorLink(quiet, new AbortController().signal, DEFAULT_LINK);
    try {
      const args = (task: string) => parseFleetArgs(['--node', '--data', 'dir', '--task', task], {});
      expect(await clientDataSchema(args('tab'), url, 'op-token', link)).toEqual(SCHEMA);
      expect(await clientDataSchema(args('old'), url, 'op-token', link)).toEqual(MNIST_SCHEMA);
      expect(seen).toEqual(['Bearer op-token', 'Bearer op-token']);
    } finally {
      server.close();
    }
  });
});
