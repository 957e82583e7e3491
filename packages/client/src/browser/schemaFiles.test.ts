import { describe, expect, it } from 'vitest';
import { ErrorCodes, MNIST_SCHEMA, type ImageSchema } from '@flotilla/protocol';
import { classOfPath, isDigitSchema, rgbaToExample } from './schemaFiles.ts';

const PETS: ImageSchema = { kind: 'image', height: 1, width: 2, channels: 3, classes: ['cat', 'dog'] };

describe('rgbaToExample', () => {
  const rgba = Uint8ClampedArray.of(255, 0, 0, 255, 0, 51, 255, 0);

  it('keeps R, G and B in [0, 1] for a 3-channel schema, dropping alpha', () => {
    expect([...rgbaToExample(rgba, PETS)]).toEqual([1, 0, 0, 0, 0.2, 1].map(Math.fround));
  });

  it('takes the luma 0.299 R + 0.587 G + 0.114 B for a grayscale schema', () => {
    const gray = rgbaToExample(rgba, { ...PETS, channels: 1 });
    expect(gray[0]).toBeCloseTo(0.299, 6);
    expect(gray[1]).toBeCloseTo(0.587 * 0.2 + 0.114, 6);
  });

  it('refuses pixels of another size with FLT_NOT_AN_IMAGE', () => {
    expect(() => rgbaToExample(new Uint8ClampedArray(12), PETS)).toThrow(expect.objectContaining({ code: ErrorCodes.NOT_AN_IMAGE }));
  });
});

describe('classOfPath', () => {
  it('is the index of the folder among the schema\'s classes', () => {
    expect(classOfPath('pets/dog/a.png', PETS.classes)).toBe(1);
    expect(classOfPath('cat/b.jpg', PETS.classes)).toBe(0);
  });

  it('names the file and the folder that is not a class', () => {
    expect(() => classOfPath('pets/cow/c.png', PETS.classes)).toThrow('pets/cow/c.png: folder "cow" is not one of the task\'s classes (cat, dog)');
    expect(() => classOfPath('loose.png', PETS.classes)).toThrow(expect.objectContaining({ code: ErrorCodes.NO_LABELS }));
  });
});

describe('isDigitSchema', () => {
  it('tells MNIST\'s digits (drawable, read as MNIST) from other image tasks', () => {
    expect(isDigitSchema(MNIST_SCHEMA)).toBe(true);
    expect(isDigitSchema({ ...MNIST_SCHEMA, channels: 3 })).toBe(false);
    expect(isDigitSchema(PETS)).toBe(false);
  });
});
