// The simulation data endpoint: a simulated device (a fleet's browser tab) fetches its own MNIST
// partition here, as a binary frame. Only tasks marked `data.simulation` serve data, only one
// partition per request, and no route lists or merges partitions: a client sees its own examples.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { gatherExamples, labelPartition, loadMnist, partitionIndices } from '@flotilla/data';
import { ErrorCodes, FlotillaError, encodeFrame } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';

const Params = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  index: Type.Integer({ minimum: 0 }),
});

/** The JSON header of the frame; tensors are `images` [count, 784] in [0, 1] and `labels` [count]. */
export interface SimulationPartitionHeader {
  type: 'simulation.partition';
  taskId: string;
  partitionIndex: number;
  numPartitions: number;
  count: number;
}

export const simulationRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator }> = async (app, { coordinator }) => {
  // Partitions depend only on the spec, so they are computed once per task (a few ms for 60k labels).
  const partitions = new Map<string, { key: string; parts: Uint32Array[] }>();

  app.get('/api/simulation/tasks/:id/partitions/:index', {
    config: { access: 'client' },
    schema: {
      summary: "One simulated client's training partition (simulation tasks only), as a binary frame",
      tags: ['tasks'], params: Params,
      response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'Flotilla binary frame: images [count, 784], labels [count]' }) },
    },
  }, async (req, reply) => {
    const task = coordinator.tasks.get(req.params.id);
    const { data } = task.config;
    if (!data.simulation) throw new FlotillaError(ErrorCodes.NOT_FOUND, `task ${task.id} is not a simulation: its clients bring their own data`);
    if (req.params.index >= data.partition.numClients) {
      throw new FlotillaError(ErrorCodes.NOT_FOUND, `task ${task.id} has partitions 0..${data.partition.numClients - 1}, not ${req.params.index}`);
    }
    // Read lazily: a coordinator that runs no simulation never holds the training set in this thread.
    const train = await loadMnist('train');
    const key = JSON.stringify(data.partition);
    let cached = partitions.get(task.id);
    if (cached?.key !== key) {
      cached = { key, parts: partitionIndices(labelPartition(data.partition), train.labels) };
      partitions.set(task.id, cached);
    }
    const indices = cached.parts[req.params.index]!;
    const examples = gatherExamples(train, indices);
    const header: SimulationPartitionHeader = {
      type: 'simulation.partition', taskId: task.id, partitionIndex: req.params.index,
      numPartitions: data.partition.numClients, count: examples.count,
    };
    const frame = encodeFrame(header, [
      { name: 'images', shape: [examples.count, 784], values: examples.images },
      { name: 'labels', shape: [examples.count], values: Float32Array.from(examples.labels) },
    ]);
    coordinator.metrics.bytesSent.inc(frame.byteLength);
    reply.header('cache-control', 'private, max-age=3600').type('application/octet-stream');
    return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  });
};
