import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { ModelUploads } from './ModelUploads.ts';
import type { ModelService } from './ModelService.ts';

// The size limits are checked before the model worker is ever asked: a service that fails if called proves it.
const untouched = { inspectUpload: () => { throw new Error('the model worker must not be asked'); } } as unknown as ModelService;

describe('ModelUploads', () => {
  it('refuses an upload past its limits with FLT_MODEL_TOO_LARGE and stores nothing', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'flotilla-uploads-')), 'models');
    const uploads = new ModelUploads(dir, { maxModelJsonBytes: 64, maxWeightBytes: 16, maxParams: 10 });
    const json = await uploads.add('x'.repeat(65), new Uint8Array(0), untouched).catch((e: unknown) => e);
    expect(json).toBeInstanceOf(FlotillaError);
    expect((json as FlotillaError).code).toBe(ErrorCodes.MODEL_TOO_LARGE);
    const weights = await uploads.add('{}', new Uint8Array(17), untouched).catch((e: unknown) => e);
    expect((weights as FlotillaError).code).toBe(ErrorCodes.MODEL_TOO_LARGE);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    expect(uploads.list()).toEqual([]);
  });

  it('never resolves an id that is not a content hash to a path', () => {
    const uploads = new ModelUploads(mkdtempSync(path.join(os.tmpdir(), 'flotilla-uploads-')));
    expect(uploads.get('../../etc')).toBeNull();
  });
});
