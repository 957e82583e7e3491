// A coordinator killed while writing a pretrained model upload (red team): the half-written
// staging directory used to stay in <data dir>/models forever; the next start sweeps it, and keeps
// every whole upload.

import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelUploads } from './ModelUploads.ts';

describe('ModelUploads at start', () => {
  it('sweeps a staging directory a killed process left and keeps whole uploads', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-uploads-recovery-'));
    const whole = 'a'.repeat(64);
    mkdirSync(path.join(dir, whole));
    writeFileSync(path.join(dir, whole, 'upload.json'), JSON.stringify({ id: whole, createdAt: 1 }));
    mkdirSync(path.join(dir, '.staging-killed'));
    writeFileSync(path.join(dir, '.staging-killed', 'model.json'), '{"half');

    const uploads = new ModelUploads(dir);

    expect(readdirSync(dir)).toEqual([whole]);
    expect(uploads.list().map((u) => u.id)).toEqual([whole]);
  });

  it('starts on a data directory without models', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'flotilla-uploads-recovery-')), 'models');
    expect(new ModelUploads(dir).list()).toEqual([]);
  });
});
