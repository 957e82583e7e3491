// Parsing of the files a person picks: digit CSVs, label folders, RGBA to MNIST-like pixels.

import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { concatLocalData, labelOfPath, parseDigitCsv, rgbaToDigit } from './localFiles.ts';

const row = (label: number | string, pixel: (i: number) => number | string) => [label, ...Array.from({ length: 784 }, (_, i) => pixel(i))].join(',');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof FlotillaError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return undefined;
}

describe('parseDigitCsv', () => {
  it('reads labels and scales pixels to [0, 1], with or without a header, CRLF and blank lines', () => {
    const header = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(',');
    const body = [row(7, (i) => (i === 0 ? 255 : i === 1 ? 51 : 0)), row(0, () => 0), ''].join('\r\n');
    for (const text of [`${header}\r\n${body}`, body, `\n${body}\n\n`]) {
      const data = parseDigitCsv(text, 'mine.csv');
      expect(data.count).toBe(2);
      expect([...data.labels]).toEqual([7, 0]);
      expect(data.features.length).toBe(2 * 784);
      expect(data.features[0]).toBe(1);
      expect(data.features[1]).toBeCloseTo(0.2, 6);
      expect(data.features[784]).toBe(0);
    }
  });

  it('refuses a row of the wrong width with FLT_CSV_WIDTH naming file and line', () => {
    const text = [row(1, () => 0), `3,${Array.from({ length: 783 }, () => 0).join(',')}`].join('\n');
    const message = codeOf(() => parseDigitCsv(text, 'short.csv'));
    expect(message).toMatch(new RegExp(`^${ErrorCodes.CSV_WIDTH}: short.csv, line 2: 784 columns, expected 785`));
  });

  it('refuses labels that are not digits and pixels out of range with FLT_CSV_VALUE', () => {
    expect(codeOf(() => parseDigitCsv(row(1, () => 0) + '\n' + row(12, () => 0), 'a.csv'))).toMatch(/^FLT_CSV_VALUE: a.csv, line 2: label "12"/);
    expect(codeOf(() => parseDigitCsv(row(4, (i) => (i === 9 ? 256 : 0)), 'b.csv'))).toMatch(/^FLT_CSV_VALUE: b.csv, line 1, column 11: "256"/);
    expect(codeOf(() => parseDigitCsv(row(4, (i) => (i === 0 ? 'x' : 0)), 'c.csv'))).toMatch(/^FLT_CSV_VALUE: c.csv, line 1, column 2/);
  });

  it('gives an empty set for an empty file (the caller reports that nothing was found)', () => {
    expect(parseDigitCsv('', 'empty.csv').count).toBe(0);
  });
});

describe('labelOfPath', () => {
  it('takes the digit of the folder holding the image', () => {
    expect(labelOfPath('digits/3/a.png')).toBe(3);
    expect(labelOfPath('0/x.jpg')).toBe(0);
  });

  it('refuses images outside a label folder with FLT_NO_LABELS', () => {
    expect(codeOf(() => labelOfPath('a.png'))).toMatch(/^FLT_NO_LABELS: a.png is not in a label folder/);
    expect(codeOf(() => labelOfPath('digits/cats/a.png'))).toMatch(/^FLT_NO_LABELS: digits\/cats\/a.png: folder "cats" is not a label/);
    expect(codeOf(() => labelOfPath('digits/12/a.png'))).toMatch(/^FLT_NO_LABELS/);
  });
});

describe('rgbaToDigit', () => {
  const image = (ground: number, ink: number) => {
    const rgba = new Uint8ClampedArray(784 * 4);
    for (let i = 0; i < 784; i++) {
      const v = i === 14 * 28 + 14 ? ink : ground;
      rgba.set([v, v, v, 255], i * 4);
    }
    return rgba;
  };

  it('keeps a light digit on a dark ground as it is', () => {
    const gray = rgbaToDigit(image(0, 255));
    expect(gray[14 * 28 + 14]).toBeCloseTo(1, 5);
    expect(gray[0]).toBe(0);
  });

  it('inverts ink on paper so the digit is light, as in MNIST', () => {
    const gray = rgbaToDigit(image(255, 0));
    expect(gray[14 * 28 + 14]).toBeCloseTo(1, 5);
    expect(gray[0]).toBeCloseTo(0, 5);
  });

  it('weights colour by luminance and treats transparency as the ground', () => {
    const rgba = new Uint8ClampedArray(784 * 4);
    rgba.set([255, 0, 0, 255], 0);
    rgba.set([255, 255, 255, 0], 4);
    const gray = rgbaToDigit(rgba);
    expect(gray[0]).toBeCloseTo(0.299, 3);
    expect(gray[1]).toBe(0);
  });

  it('refuses pixels that are not 28×28', () => {
    expect(codeOf(() => rgbaToDigit(new Uint8ClampedArray(10)))).toMatch(/^FLT_NOT_AN_IMAGE/);
  });
});

describe('concatLocalData', () => {
  it('joins examples and labels in order', () => {
    const a = { features: new Float32Array(784).fill(0.5), labels: Uint8Array.of(2), count: 1 };
    const b = { features: new Float32Array(2 * 784).fill(1), labels: Uint8Array.of(5, 6), count: 2 };
    const all = concatLocalData([a, b]);
    expect(all.count).toBe(3);
    expect([...all.labels]).toEqual([2, 5, 6]);
    expect(all.features[783]).toBe(0.5);
    expect(all.features[784]).toBe(1);
    expect(concatLocalData([]).count).toBe(0);
  });
});
