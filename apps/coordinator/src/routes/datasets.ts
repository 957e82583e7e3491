// The dataset registry over REST (operator only): register files as a dataset (multipart), list,
// show and delete. Bad files get FLT_DATASET_INVALID with the importer's DATA_* code and the file,
// line and column; oversized bodies get 413 FLT_DATASET_TOO_LARGE; neither stores anything.

import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DatasetImportError } from '@flotilla/data';
import { DatasetRecord, ErrorCodes, FlotillaError } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';
import type { UploadFile } from '../datasets/inferSchema.ts';
import { parseUploadFields } from '../datasets/uploadOptions.ts';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const ErrorBody = Type.Object({ code: Type.String(), message: Type.String(), detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });
/** Largest text field: a whole schema given as JSON (a vocabulary of 50,000 symbols fits). */
const MAX_FIELD_BYTES = 4 * 1024 * 1024;
const MAX_FIELDS = 32;
const MAX_FILES = 8;

/** The tasks that hold a dataset: created, running or paused ones naming it as their data or test set. */
export function tasksUsing(coordinator: Pick<Coordinator, 'tasks'>, id: string): string[] {
  return coordinator.tasks.list()
    .filter((t) => ['created', 'running', 'paused'].includes(t.state) && (t.config.data.dataset === id || t.config.data.testDataset === id || t.config.contribution?.validation.dataset === id))
    .map((t) => t.id);
}

export const datasetRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator }> = async (app, { coordinator }) => {
  const { datasets, bus } = coordinator;
  const maxUpload = datasets.limitsInForce.maxUploadBytes;
  // Registered in this plugin's scope only: no other route accepts multipart bodies.
  await app.register(multipart, { limits: { fileSize: maxUpload, files: MAX_FILES, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, parts: MAX_FILES + MAX_FIELDS } });

  app.get('/api/datasets', {
    schema: { summary: 'Datasets the coordinator holds: built-in MNIST and registered ones', tags: ['datasets'], response: { 200: Type.Array(DatasetRecord) } },
  }, async () => datasets.list());

  app.get('/api/datasets/:id', {
    schema: { summary: 'One dataset: schema, counts, clients, files', tags: ['datasets'], params: Params, response: { 200: DatasetRecord, 404: ErrorBody } },
  }, async (req) => datasets.get(req.params.id));

  app.delete('/api/datasets/:id', {
    schema: { summary: 'Deletes a registered dataset no created, running or paused task uses', tags: ['datasets'], params: Params, response: { 204: Type.Null({ description: 'deleted' }), 404: ErrorBody, 409: ErrorBody } },
  }, async (req, reply) => {
    datasets.delete(req.params.id, tasksUsing(coordinator, req.params.id));
    bus.publish('dataset.deleted', null, { id: req.params.id });
    return reply.code(204).send(null);
  });

  app.post('/api/datasets', {
    schema: {
      summary: 'Registers files as a dataset (multipart: format, name, options, and the files by role)',
      description: 'Fields: format (csv|idx|text|…), name, label, clientColumn, clientId, task, metric, categorical, ignore, classes, level, sequenceLength, maxVocabulary, stride, schema (JSON). Files by role: csv table; idx images, labels; text corpus. 201 for a new dataset, 200 when the same content is already registered.',
      tags: ['datasets'], consumes: ['multipart/form-data'],
      response: { 200: DatasetRecord, 201: DatasetRecord, 400: ErrorBody, 413: ErrorBody },
    },
  }, async (req, reply) => {
    if (!req.isMultipart()) throw new FlotillaError(ErrorCodes.DATASET_INVALID, 'send the dataset as multipart/form-data');
    const fields: Record<string, string> = {};
    const files: Record<string, UploadFile> = {};
    let total = 0;
    try {
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          if (files[part.fieldname] !== undefined) throw new FlotillaError(ErrorCodes.DATASET_INVALID, `two files for the role '${part.fieldname}'`);
          const bytes = await part.toBuffer();
          total += bytes.byteLength;
          if (total > maxUpload) throw tooLarge(maxUpload);
          files[part.fieldname] = { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), name: part.filename || part.fieldname };
        } else {
          // A cut value (past the field size) or a field given twice would be read as something the operator did not send.
          if (part.valueTruncated || part.fieldnameTruncated) throw new FlotillaError(ErrorCodes.DATASET_INVALID, `the field '${part.fieldname.slice(0, 64)}' is longer than ${MAX_FIELD_BYTES} bytes`);
          if (Object.hasOwn(fields, part.fieldname)) throw new FlotillaError(ErrorCodes.DATASET_INVALID, `the field '${part.fieldname.slice(0, 64)}' is given twice`);
          fields[part.fieldname] = String(part.value);
        }
      }
    } catch (err) {
      if (err instanceof FlotillaError) throw err;
      throw multipartError(err, maxUpload);
    }
    const { format = '', name, ...rest } = fields;
    if (format === '') throw new FlotillaError(ErrorCodes.DATASET_INVALID, "the 'format' field is required");
    const options = parseUploadFields(rest);
    const displayName = (name?.trim() || Object.values(files)[0]?.name || format).slice(0, 200);
    try {
      const { record, created } = await datasets.register({ format, name: displayName, files, options });
      if (created) {
        req.log.info({ datasetId: record.id, format, count: record.count, bytes: record.bytes }, 'dataset registered');
        bus.publish('dataset.imported', null, { id: record.id, name: record.name, format, count: record.count, numClients: record.numClients, bytes: record.bytes });
      }
      return reply.code(created ? 201 : 200).send(record);
    } catch (err) {
      if (!(err instanceof DatasetImportError)) throw err;
      return reply.code(400).send({ code: ErrorCodes.DATASET_INVALID, message: err.message, detail: { code: err.code, ...err.location } });
    }
  });
};

// What @fastify/multipart and busboy throw, as coded errors: a limit is 413, anything else (no
// boundary, a body cut short, a field named like a prototype property) is a bad request, not a 500.
function multipartError(err: unknown, maxUpload: number): FlotillaError {
  const code = (err as { code?: string }).code;
  if (code === 'FST_FILES_LIMIT') return new FlotillaError(ErrorCodes.DATASET_TOO_LARGE, `an upload has at most ${MAX_FILES} files`);
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') return new FlotillaError(ErrorCodes.DATASET_TOO_LARGE, `an upload has at most ${MAX_FIELDS} fields and ${MAX_FILES} files`);
  if ((err as { statusCode?: number }).statusCode === 413) return tooLarge(maxUpload);
  return new FlotillaError(ErrorCodes.DATASET_INVALID, `the multipart body could not be read: ${(err as Error).message}`);
}

function tooLarge(limit: number): FlotillaError {
  return new FlotillaError(ErrorCodes.DATASET_TOO_LARGE, `the upload exceeds the limit of ${limit} bytes (--max-dataset-upload-mb)`);
}
