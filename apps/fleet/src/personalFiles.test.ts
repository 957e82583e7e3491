import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filePersonalStore } from './personalFiles.ts';

describe('filePersonalStore', () => {
  it('keeps a client\'s personal state per task across store instances (a restarted fleet)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-personal-'));
    const state = { model: Float32Array.of(0.5, -1), localOnly: Float32Array.of(2), localEpochs: 3, fit: { batchSize: 10, learningRate: 0.1 } };
    await filePersonalStore(dir, '7').save('task/1', state);
    expect(await filePersonalStore(dir, '7').load('task/1')).toEqual(state);
    expect(await filePersonalStore(dir, '8').load('task/1')).toBeNull();
    expect(await filePersonalStore(dir, '7').load('task-2')).toBeNull();
    // Overwritten whole; no temporary file is left behind.
    await filePersonalStore(dir, '7').save('task/1', { localEpochs: 4 });
    expect(await filePersonalStore(dir, '7').load('task/1')).toEqual({ localEpochs: 4 });
    expect(readdirSync(path.join(dir, 'personal', 'task_1'))).toEqual(['7.bin']);
  });
});
