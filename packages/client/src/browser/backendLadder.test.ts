// The backend ladder in Node: WebGPU and WebGL are unavailable here and say why, the fastest
// working backend is chosen and really active, and a forced backend is taken as is.

import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend, isBackendName } from './backendLadder.ts';

const wasmDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;

describe('chooseBackend', () => {
  it('probes every rung, explains the unavailable ones and activates the fastest that works', async () => {
    const choice = await chooseBackend({ wasmPaths: wasmDir, benchmarkExamples: 60 });

    expect(choice.probes.map((p) => p.backend)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(choice.probes.find((p) => p.backend === 'webgpu')).toMatchObject({ ok: false, reason: expect.stringMatching(/navigator.gpu is absent/) });
    const working = choice.probes.filter((p) => p.ok);
    const fastest = working.reduce((a, p) => ((p.examplesPerSec ?? 0) > (a.examplesPerSec ?? 0) ? p : a));
    expect(choice.backend).toBe(fastest.backend);
    expect(tf.getBackend()).toBe(choice.backend);
    expect(choice.forced).toBe(false);
  }, 120_000);

  it('takes a forced backend without measuring the others', async () => {
    const choice = await chooseBackend({ force: 'cpu', benchmarkExamples: 30 });

    expect(choice).toMatchObject({ backend: 'cpu', forced: true });
    expect(choice.probes.map((p) => p.backend)).toEqual(['cpu']);
    expect(tf.getBackend()).toBe('cpu');
  }, 60_000);

  it('knows the ladder names', () => {
    expect(['webgpu', 'webgl', 'wasm', 'cpu'].every(isBackendName)).toBe(true);
    expect(isBackendName('metal')).toBe(false);
    expect(isBackendName(null)).toBe(false);
  });
});
