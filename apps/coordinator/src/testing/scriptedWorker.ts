// A stand-in for the model worker that does what its job's name says, for WorkerRpc and
// ModelService tests without TensorFlow.js: answer, report progress then hang, exit, or refuse.

import { parentPort } from 'node:worker_threads';

const port = parentPort!;
const hang = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);

port.on('message', (msg: { id: number; method: string; args: { steps?: number; stepMs?: number; testLimit?: number } }) => {
  switch (msg.method) {
    case 'evaluate':
      // An evaluation on no test examples stands for one that crashes the thread.
      if (msg.args.testLimit === 0) process.exit(3);
      port.postMessage({ id: msg.id, ok: true, result: { loss: 0.5, accuracy: 0.9 } });
      return;
    case 'init':
      // Seed −1 stands for a model whose creation crashes the thread, every time.
      if ((msg.args as { seed?: number }).seed === -1) process.exit(3);
      port.postMessage({ id: msg.id, ok: true, result: { weights: new Float32Array(4), shapes: [[4]], backend: 'none' } });
      return;
    case 'baseline': {
      // Progress every stepMs, then either an answer or (steps < 0) silence for ever.
      const steps = Math.abs(msg.args.steps ?? 1);
      let sent = 0;
      const tick = setInterval(() => {
        port.postMessage({ id: msg.id, progress: { epoch: ++sent } });
        if (sent < steps) return;
        clearInterval(tick);
        if ((msg.args.steps ?? 1) < 0) hang();
        else port.postMessage({ id: msg.id, ok: true, result: { accuracy: 0.8, epochs: [] } });
      }, msg.args.stepMs ?? 50);
      return;
    }
    case 'exit':
      process.exit(3);
    case 'hang':
      hang();
      return;
    default:
      port.postMessage({ id: msg.id, ok: false, error: `unknown method ${msg.method}` });
  }
});
