// The global model: the binary weights frame clients train from, and the TensorFlow.js format
// (model.json + weights.bin) an operator downloads or loads with tf.loadLayersModel(url).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorCodes, FlotillaError, taskSchema } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';
import type { ExportResult } from '../model/jobs.ts';

/** A binary answer (application/octet-stream): documented, never serialized as JSON. */
const BINARY = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });

/** TensorFlow.js's model.json: the topology and the manifest of weights.bin. */
const ModelJson = Type.Object({}, {
  additionalProperties: true, description: 'TensorFlow.js layers model.json: modelTopology, weightsManifest, format, generatedBy, convertedBy',
});

const Params = Type.Object({
  id: Type.String(),
  version: Type.Union([Type.Literal('latest'), Type.Integer({ minimum: 0 })]),
});

export const modelRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator }> = async (app, { coordinator }) => {
  const { tasks, store, models, metrics } = coordinator;
  const exports = new Map<string, Promise<ExportResult>>();

  const resolve = (id: string, version: number | 'latest') => {
    const task = tasks.get(id);
    const v = version === 'latest' ? task.modelVersion : version;
    if (v > task.modelVersion) throw new FlotillaError(ErrorCodes.NOT_FOUND, `task ${id} has no model version ${v} yet`);
    // Numbered versions never change, so they are cacheable forever; 'latest' moves.
    const cacheControl = version === 'latest' ? 'no-cache' : 'public, max-age=31536000, immutable';
    return { task, version: v, cacheControl };
  };

  const exported = (id: string, version: number): Promise<ExportResult> => {
    const key = `${id}@${version}`;
    let pending = exports.get(key);
    if (!pending) {
      const task = tasks.get(id);
      const checkpoint = store.getCheckpoint(id, version);
      if (!checkpoint) throw new FlotillaError(ErrorCodes.NOT_FOUND, `task ${id} has no model version ${version}`);
      pending = models.exportTfjs(task.config.model, checkpoint.weights, taskSchema(task.config.data));
      pending.catch(() => exports.delete(key));
      exports.set(key, pending);
      if (exports.size > 8) exports.delete(exports.keys().next().value!);
    }
    return pending;
  };

  app.get('/api/tasks/:id/models/:version/weights.frame', {
    config: { access: 'client' },
    schema: {
      summary: 'Global weights of a model version as a Flotilla binary frame (what clients fetch); with ?base=v, the delta from version v where the task sends deltas and that is smaller',
      tags: ['models'], params: Params, querystring: Type.Object({ base: Type.Optional(Type.Integer({ minimum: 0 })) }), response: { 200: BINARY },
    },
  }, async (req, reply) => {
    const { version, cacheControl } = resolve(req.params.id, req.params.version);
    const base = req.query.base;
    const frame = base === undefined ? await tasks.weightsFrame(req.params.id, version) : await tasks.weightsFrameFrom(req.params.id, version, base);
    metrics.bytesSent.inc(frame.byteLength);
    const rs = tasks.runner(req.params.id)?.current;
    if (rs && rs.modelVersion === version) rs.countDown(clientHeader(req.headers['x-flotilla-client']), frame.byteLength);
    tasks.runner(req.params.id)?.buffered?.noteDownload(version, frame.byteLength, clientHeader(req.headers['x-flotilla-client']));
    reply.header('cache-control', cacheControl).header('x-flotilla-model-version', String(version)).type('application/octet-stream');
    return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  });

  app.get('/api/tasks/:id/models/:version/model.json', {
    schema: { summary: 'TensorFlow.js model.json of a model version (weights in weights.bin beside it)', tags: ['models'], params: Params, response: { 200: ModelJson } },
  }, async (req, reply) => {
    const { version, cacheControl } = resolve(req.params.id, req.params.version);
    const { modelJson } = await exported(req.params.id, version);
    reply.header('cache-control', cacheControl).header('x-flotilla-model-version', String(version));
    return modelJson;
  });

  app.get('/api/tasks/:id/models/:version/weights.bin', {
    schema: { summary: 'TensorFlow.js weights of a model version', tags: ['models'], params: Params, response: { 200: BINARY } },
  }, async (req, reply) => {
    const { version, cacheControl } = resolve(req.params.id, req.params.version);
    const { weightData } = await exported(req.params.id, version);
    reply.header('cache-control', cacheControl).header('x-flotilla-model-version', String(version)).type('application/octet-stream');
    return Buffer.from(weightData);
  });
};

/** The client a weights fetch says it is for (x-flotilla-client), to count its bytes; null when absent or odd. */
function clientHeader(value: string | string[] | undefined): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= 128 ? value : null;
}
