// The simulation data endpoint: a simulated device (a fleet's browser tab or Node client) fetches
// its own partition of the task's dataset here, as a binary frame. Only tasks marked
// `data.simulation` serve data, only one partition per request, and no route lists or merges
// partitions: a client sees its own examples (and splits off its held-out part itself).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { exampleSize, partitionDataset, selectExamples } from '@flotilla/data';
import { ErrorCodes, FlotillaError, encodeFrame, taskSchema, type DataSchema } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';

const Params = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  index: Type.Integer({ minimum: 0 }),
});

/**
 * The JSON header of the frame. Its tensors are `features` [count, exampleSize(schema)] float32,
 * encoded as the schema says (MNIST: [count, 784] pixels in [0, 1], the layout older clients read
 * as their first tensor), and `labels` [count] float32 (a class index, or a regression's value).
 * The client splits rows 0..count−1 into train and held-out parts with
 * `splitClientExamples(rows, clientTestFraction, holdoutSeed(config.seed, partitionIndex))`.
 */
export interface SimulationPartitionHeader {
  type: 'simulation.partition';
  taskId: string;
  partitionIndex: number;
  numPartitions: number;
  count: number;
  schema: DataSchema;
}

export const simulationRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator }> = async (app, { coordinator }) => {
  // Partitions depend only on the spec and the dataset, so they are computed once per task (a few ms for 60k labels).
  const partitions = new Map<string, { key: string; parts: Uint32Array[] }>();

  app.get('/api/simulation/tasks/:id/partitions/:index', {
    config: { access: 'client' },
    schema: {
      summary: "One simulated client's partition of the task's dataset (simulation tasks only), as a binary frame",
      tags: ['tasks'], params: Params,
      response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'Flotilla binary frame: images [count, 784], labels [count]' }) },
    },
  }, async (req, reply) => {
    const task = coordinator.tasks.get(req.params.id);
    const { data } = task.config;
    if (!data.simulation || data.dataset === undefined) throw new FlotillaError(ErrorCodes.NOT_FOUND, `task ${task.id} is not a simulation: its clients bring their own data`);
    if (req.params.index >= data.partition.numClients) {
      throw new FlotillaError(ErrorCodes.NOT_FOUND, `task ${task.id} has partitions 0..${data.partition.numClients - 1}, not ${req.params.index}`);
    }
    // Read lazily: a coordinator that runs no simulation never holds a training set in this thread.
    const dataset = await coordinator.datasets.load(data.dataset);
    const key = JSON.stringify([data.dataset, data.partition]);
    let cached = partitions.get(task.id);
    if (cached?.key !== key) {
      cached = { key, parts: partitionDataset(data.partition, dataset) };
      partitions.set(task.id, cached);
    }
    const examples = selectExamples(dataset, cached.parts[req.params.index]!);
    const schema = taskSchema(data);
    const header: SimulationPartitionHeader = {
      type: 'simulation.partition', taskId: task.id, partitionIndex: req.params.index,
      numPartitions: data.partition.numClients, count: examples.count, schema,
    };
    const frame = encodeFrame(header, [
      { name: 'features', shape: [examples.count, exampleSize(schema)], values: examples.features },
      { name: 'labels', shape: [examples.count], values: Float32Array.from(examples.labels) },
    ]);
    coordinator.metrics.bytesSent.inc(frame.byteLength);
    reply.header('cache-control', 'private, max-age=3600').type('application/octet-stream');
    return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  });
};
