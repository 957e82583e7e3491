// Pretrained models an operator uploaded (model.json + weights.bin): checked in the model worker,
// stored content-addressed under `<dataDir>/models/<id>/`, listed, and read back when a task
// starts from one. A directory appears whole (written aside, then renamed) or not at all.

import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_UPLOAD_LIMITS, type UploadLimits } from '@flotilla/models';
import { ErrorCodes, FlotillaError, type ModelUploadView } from '@flotilla/protocol';
import { UPLOAD_MODEL_JSON, UPLOAD_WEIGHTS } from './initialModel.ts';
import type { ModelService } from './ModelService.ts';

const META_FILE = 'upload.json';
const STAGING_PREFIX = '.staging-';

/** What `POST /api/models` returns and `GET /api/models/uploads` lists. */
export type ModelUploadRecord = ModelUploadView;

/**
 * @example const { record, created } = await uploads.add(modelJsonText, weightBytes, models);
 */
export class ModelUploads {
  constructor(private readonly dir: string, readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS) {
    // An upload that never reached its rename (the process was killed while writing it): not a model.
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) if (name.startsWith(STAGING_PREFIX)) rmSync(path.join(dir, name), { recursive: true, force: true });
  }

  /**
   * Checks an upload (sizes here, everything else by loading it in the model worker) and stores
   * it; the same bytes again give the stored record (`created: false`). Throws FLT_MODEL_TOO_LARGE
   * or FLT_MODEL_INVALID (with the models package's code in the message); nothing is stored then.
   */
  async add(modelJson: string, weights: Uint8Array, models: ModelService): Promise<{ record: ModelUploadRecord; created: boolean }> {
    const jsonBytes = Buffer.byteLength(modelJson);
    if (jsonBytes > this.limits.maxModelJsonBytes) {
      throw new FlotillaError(ErrorCodes.MODEL_TOO_LARGE, `model.json is ${jsonBytes} bytes, the limit is ${this.limits.maxModelJsonBytes}`);
    }
    if (weights.byteLength > this.limits.maxWeightBytes) {
      throw new FlotillaError(ErrorCodes.MODEL_TOO_LARGE, `the weights are ${weights.byteLength} bytes, the limit is ${this.limits.maxWeightBytes}`);
    }
    const id = uploadId(modelJson, weights);
    const existing = this.get(id);
    if (existing) return { record: existing, created: false };
    const inspected = await models.inspectUpload({ modelJson, weights });
    if (!inspected.ok) {
      const code = inspected.code === 'MODEL_TOO_LARGE' ? ErrorCodes.MODEL_TOO_LARGE : ErrorCodes.MODEL_INVALID;
      throw new FlotillaError(code, `${inspected.code}: ${inspected.reason}`);
    }
    const { ok: _ok, ...description } = inspected;
    const record: ModelUploadRecord = { id, ...description, bytes: jsonBytes + weights.byteLength, createdAt: Date.now() };
    mkdirSync(this.dir, { recursive: true });
    const staging = path.join(this.dir, `${STAGING_PREFIX}${randomUUID()}`);
    mkdirSync(staging);
    try {
      writeFileSync(path.join(staging, UPLOAD_MODEL_JSON), modelJson);
      writeFileSync(path.join(staging, UPLOAD_WEIGHTS), weights);
      writeFileSync(path.join(staging, META_FILE), JSON.stringify(record));
      if (existsSync(this.dirOf(id))) return { record: this.get(id)!, created: false };
      renameSync(staging, this.dirOf(id));
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    return { record, created: true };
  }

  get(id: string): ModelUploadRecord | null {
    if (!/^[0-9a-f]{64}$/.test(id)) return null;
    const file = path.join(this.dirOf(id), META_FILE);
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as ModelUploadRecord : null;
  }

  /** Every stored upload, oldest first. */
  list(): ModelUploadRecord[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).map((name) => this.get(name)).filter((r): r is ModelUploadRecord => r !== null)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The directory holding an upload's model.json and weights.bin. */
  dirOf(id: string): string {
    return path.join(this.dir, id);
  }
}

// The bytes of both files, each length-prefixed so that moving bytes from one to the other changes the id.
function uploadId(modelJson: string, weights: Uint8Array): string {
  const json = Buffer.from(modelJson);
  const hash = createHash('sha256');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.byteLength));
  hash.update(length).update(json);
  length.writeBigUInt64LE(BigInt(weights.byteLength));
  hash.update(length).update(weights);
  return hash.digest('hex');
}
