import { describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { PNG } from 'pngjs';
import { importCsvDataset, inferTabularSchema, inferTextSchema, importTextDataset, partitionDataset } from './index.ts';
import { SYNTHETIC_SHAPES, syntheticClinicsCsv, syntheticCorpus, syntheticShapeImages, zipFolder } from './node.ts';

const share = (labels: ArrayLike<number>, k: number): number => Array.from(labels).filter((l) => l === k).length / labels.length;

describe('synthetic datasets', () => {
  it('makes a clinics table whose label a linear rule on its features predicts far better than the majority class', () => {
    const csv = syntheticClinicsCsv({ rows: 600, clinics: 4, seed: 1 });
    expect(syntheticClinicsCsv({ rows: 600, clinics: 4, seed: 1 })).toBe(csv);
    const schema = inferTabularSchema(csv, { label: 'outcome', clientColumn: 'clinic' });
    const data = importCsvDataset(csv, schema, { clientColumn: 'clinic' });
    expect(data.count).toBe(600);
    expect(new Set(data.clientIds)).toEqual(new Set(['clinic-a', 'clinic-b', 'clinic-c', 'clinic-d']));
    expect(partitionDataset({ kind: 'natural' }, data)).toHaveLength(4);
    const majority = Math.max(share(data.labels, 0), share(data.labels, 1));
    expect(majority).toBeLessThan(0.75);
    // Logistic regression by full-batch gradient descent on the encoded rows: the signal is there.
    const width = data.features.length / data.count;
    const w = new Float64Array(width + 1);
    for (let step = 0; step < 300; step++) {
      const g = new Float64Array(width + 1);
      for (let i = 0; i < data.count; i++) {
        let z = w[width]!;
        for (let j = 0; j < width; j++) z += w[j]! * data.features[i * width + j]!;
        const err = 1 / (1 + Math.exp(-z)) - data.labels[i]!;
        for (let j = 0; j < width; j++) g[j]! += err * data.features[i * width + j]!;
        g[width]! += err;
      }
      for (let j = 0; j <= width; j++) w[j]! -= (0.5 * g[j]!) / data.count;
    }
    let correct = 0;
    for (let i = 0; i < data.count; i++) {
      let z = w[width]!;
      for (let j = 0; j < width; j++) z += w[j]! * data.features[i * width + j]!;
      if ((z > 0 ? 1 : 0) === data.labels[i]) correct++;
    }
    expect(correct / data.count).toBeGreaterThan(majority + 0.1);
  });

  it('draws every shape class in RGB at the asked size, as a folder and as a zip of it', () => {
    const files = syntheticShapeImages({ perClass: 3, size: 12, seed: 5 });
    expect(files).toHaveLength(3 * SYNTHETIC_SHAPES.length);
    expect(new Set(files.map((f) => f.path.split('/')[0]))).toEqual(new Set(SYNTHETIC_SHAPES));
    const png = PNG.sync.read(Buffer.from(files[0]!.bytes));
    expect([png.width, png.height]).toEqual([12, 12]);
    const unzipped = unzipSync(zipFolder(files));
    expect(Object.keys(unzipped).sort()).toEqual(files.map((f) => f.path).sort());
    // A circle and a square of the same draw differ in the corners the circle leaves empty.
    expect(files[0]!.bytes).not.toEqual(files[2]!.bytes);
  });

  it('writes a corpus a character vocabulary covers, with many windows', () => {
    const corpus = syntheticCorpus({ sentences: 50, seed: 2 });
    const schema = inferTextSchema(corpus, { level: 'char', sequenceLength: 16, maxVocabulary: 64 });
    const data = importTextDataset(corpus, schema);
    expect(schema.vocabulary.length).toBeLessThan(40);
    expect(data.count).toBeGreaterThan(1000);
  });
});
