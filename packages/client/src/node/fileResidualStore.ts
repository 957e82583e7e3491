// A Node client's error-feedback residual in a file (under a fleet's state directory), so that a
// restarted client carries on where it stopped. Written to a temporary file and renamed: a crash
// mid-write leaves the previous residual, never half of one.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ResidualStore, StoredResidual } from '../residualStore.ts';

/**
 * Keeps the residual in `path`: a JSON line (task and shapes), a newline, then the float32 values.
 * @example residuals: fileResidualStore(join(stateDir, `residual-${clientIndex}.bin`))
 */
export function fileResidualStore(path: string): ResidualStore {
  return {
    async load() {
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch {
        return null;
      }
      const newline = bytes.indexOf(10);
      if (newline < 0) return null;
      try {
        const head = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as { taskId: unknown; shapes: unknown };
        const body = bytes.subarray(newline + 1);
        if (typeof head.taskId !== 'string' || !Array.isArray(head.shapes) || body.byteLength % 4 !== 0) return null;
        const values = new Float32Array(body.byteLength / 4);
        new Uint8Array(values.buffer).set(body);
        return { taskId: head.taskId, shapes: head.shapes as number[][], values };
      } catch {
        return null;
      }
    },
    async save(residual: StoredResidual) {
      await mkdir(dirname(path), { recursive: true });
      const head = Buffer.from(`${JSON.stringify({ taskId: residual.taskId, shapes: residual.shapes })}\n`);
      const body = Buffer.from(residual.values.buffer, residual.values.byteOffset, residual.values.byteLength);
      await writeFile(`${path}.tmp`, Buffer.concat([head, body]));
      await rename(`${path}.tmp`, path);
    },
  };
}
