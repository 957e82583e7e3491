// Pretrained model uploads (operator only): `POST /api/models` takes a TensorFlow.js layers
// model — multipart with the files `model.json` and `weights.bin`, or JSON `{ modelJson, weights }`
// with the weights in base64 — checks it in the model worker and stores it content-addressed;
// `GET /api/models/uploads` lists what is stored. A task starts from one with
// `initialModel: { from: 'upload', uploadId }`.

import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ErrorCodes, FlotillaError, ModelUploadView } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';

const MODEL_JSON_FIELDS = new Set(['model.json', 'modelJson', 'model']);
const WEIGHTS_FIELDS = new Set(['weights.bin', 'weights']);

export const modelUploadRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator }> = async (app, { coordinator }) => {
  const { uploads, models, bus } = coordinator;
  const { maxModelJsonBytes, maxWeightBytes } = uploads.limits;
  // Registered in this plugin's scope only: no other route parses multipart bodies.
  await app.register(multipart, { limits: { fileSize: Math.max(maxModelJsonBytes, maxWeightBytes), files: 2, fields: 4, parts: 6, fieldSize: maxModelJsonBytes } });

  app.post('/api/models', {
    // JSON carries the weights in base64 (4/3 of their size) next to model.json.
    bodyLimit: maxModelJsonBytes + Math.ceil((maxWeightBytes * 4) / 3) + (1 << 20),
    schema: {
      summary: 'Upload a pretrained TensorFlow.js layers model (model.json + weights.bin) that tasks can start from',
      tags: ['models'],
      response: { 200: ModelUploadView, 201: ModelUploadView },
    },
  }, async (req, reply) => {
    const { modelJson, weights } = req.isMultipart() ? await readMultipart(req, maxModelJsonBytes, maxWeightBytes) : readJson(req.body);
    const { record, created } = await uploads.add(modelJson, weights, models);
    if (created) bus.publish('model.uploaded', null, { id: record.id, params: record.params, bytes: record.bytes });
    reply.code(created ? 201 : 200);
    return record;
  });

  app.get('/api/models/uploads', {
    schema: { summary: 'Pretrained models uploaded, oldest first', tags: ['models'], response: { 200: Type.Object({ uploads: Type.Array(ModelUploadView) }) } },
  }, async () => ({
    uploads: uploads.list(),
  }));
};

async function readMultipart(req: FastifyRequest, maxJson: number, maxWeights: number): Promise<{ modelJson: string; weights: Uint8Array }> {
  let modelJson: string | undefined;
  let weights: Uint8Array | undefined;
  try {
    for await (const part of req.parts()) {
      const name = part.fieldname;
      const bytes = part.type === 'file' ? await part.toBuffer() : Buffer.from(String(part.value));
      if (MODEL_JSON_FIELDS.has(name)) {
        if (bytes.byteLength > maxJson) throw new FlotillaError(ErrorCodes.MODEL_TOO_LARGE, `model.json is ${bytes.byteLength} bytes, the limit is ${maxJson}`);
        modelJson = bytes.toString('utf8');
      } else if (WEIGHTS_FIELDS.has(name)) {
        if (bytes.byteLength > maxWeights) throw new FlotillaError(ErrorCodes.MODEL_TOO_LARGE, `the weights are ${bytes.byteLength} bytes, the limit is ${maxWeights}`);
        weights = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } else {
        throw new FlotillaError(ErrorCodes.MODEL_INVALID, `unexpected part ${JSON.stringify(name.slice(0, 64))}; send model.json and weights.bin`);
      }
    }
  } catch (err) {
    if (err instanceof FlotillaError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
      throw new FlotillaError(ErrorCodes.MODEL_TOO_LARGE, `the upload is past its limits (${code})`);
    }
    throw new FlotillaError(ErrorCodes.MODEL_INVALID, `the multipart body could not be read: ${(err as Error).message}`);
  }
  if (modelJson === undefined) throw new FlotillaError(ErrorCodes.MODEL_INVALID, 'the upload has no model.json part');
  return { modelJson, weights: weights ?? new Uint8Array(0) };
}

function readJson(body: unknown): { modelJson: string; weights: Uint8Array } {
  const record = typeof body === 'object' && body !== null ? body as Record<string, unknown> : {};
  const json = record['modelJson'];
  if (json === undefined) throw new FlotillaError(ErrorCodes.MODEL_INVALID, 'send multipart model.json + weights.bin, or JSON { modelJson, weights } with the weights in base64');
  const weights = record['weights'];
  if (weights !== undefined && (typeof weights !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(weights))) {
    throw new FlotillaError(ErrorCodes.MODEL_INVALID, 'weights must be the weights.bin bytes in base64');
  }
  const bytes = Buffer.from(weights ?? '', 'base64');
  return { modelJson: typeof json === 'string' ? json : JSON.stringify(json), weights: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}
