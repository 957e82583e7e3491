// Schema inference for an upload, one entry per format: what one example of the files is, read from
// the files themselves (CSV columns and statistics, IDX shapes, a corpus's vocabulary).

import {
  DataFormatError, DatasetImportError, inferImageSchema, inferTabularSchema, inferTextSchema, maybeGunzip, parseIdx,
} from '@flotilla/data';
import { ErrorCodes, FlotillaError, type DataSchema, type ImageSchema } from '@flotilla/protocol';
import type { DatasetUploadOptions } from './uploadOptions.ts';

/** A file of an upload, by role. */
export interface UploadFile {
  readonly bytes: Uint8Array;
  readonly name: string;
}

type Infer = (files: Readonly<Record<string, UploadFile>>, options: DatasetUploadOptions, maxBytes: number) => Promise<DataSchema>;

const DEFAULT_SEQUENCE_LENGTH = 80;
/** Images are resized to this size unless the upload says otherwise (CIFAR's). */
const DEFAULT_IMAGE_SIZE = 32;
const DEFAULT_VOCABULARY = 100;

/**
 * How each format's schema is inferred; a format without an entry (or any upload with an explicit
 * `schema` option) is read with the schema the operator gives.
 * @example const schema = await SCHEMA_INFERENCE.csv!({ table }, { label: 'y' }, 1e8);
 */
export const SCHEMA_INFERENCE: Readonly<Partial<Record<string, Infer>>> = {
  csv: async (files, options, maxBytes) => {
    if (options.label === undefined) throw new FlotillaError(ErrorCodes.DATASET_INVALID, "a csv dataset needs its 'label' column named");
    const table = files.table!;
    const schema = inferTabularSchema(utf8(table), {
      label: options.label, file: table.name, maxBytes,
      ...(options.clientColumn === undefined ? {} : { clientColumn: options.clientColumn }),
      ...(options.categorical === undefined ? {} : { categorical: options.categorical }),
      ...(options.ignore === undefined ? {} : { ignore: options.ignore }),
      ...(options.task === undefined ? {} : { task: options.task }),
    });
    if (schema.target.type === 'regression' && options.metric !== undefined) return { ...schema, target: { type: 'regression', metric: options.metric } };
    return schema;
  },
  idx: async (files, options, maxBytes) => {
    const images = await idxOf(files.images!, maxBytes);
    const labels = await idxOf(files.labels!, maxBytes);
    const [, height = 0, width = 0, channels = 1] = images.shape;
    if (!(images.shape.length === 3 || images.shape.length === 4) || (channels !== 1 && channels !== 3)) {
      throw new DatasetImportError('DATA_IDX_SHAPE', `images must be [n, height, width] or [n, height, width, 1 or 3], got [${images.shape.join(', ')}]`, { file: files.images!.name });
    }
    let top = 0;
    for (const label of labels.data) top = Math.max(top, Number(label));
    const classes = options.classes ?? Array.from({ length: Math.max(2, top + 1) }, (_, k) => String(k));
    const schema: ImageSchema = { kind: 'image', height, width, channels: channels as 1 | 3, classes };
    return schema;
  },
  // Class names are the class folders' names; only the archive's directory is read here.
  images: async (files, options) => inferImageSchema({ zip: files.archive!.bytes, name: files.archive!.name }, {
    height: options.height ?? DEFAULT_IMAGE_SIZE, width: options.width ?? DEFAULT_IMAGE_SIZE, channels: options.channels ?? 3,
    ...(options.clientLevel === undefined ? {} : { clientLevel: options.clientLevel }),
  }),
  text: async (files, options, maxBytes) => {
    const corpus = files.corpus!;
    return inferTextSchema(utf8(corpus), {
      level: options.level ?? 'char', sequenceLength: options.sequenceLength ?? DEFAULT_SEQUENCE_LENGTH,
      maxVocabulary: options.maxVocabulary ?? DEFAULT_VOCABULARY, file: corpus.name, maxBytes,
    });
  },
};

async function idxOf(file: UploadFile, maxBytes: number): Promise<ReturnType<typeof parseIdx>> {
  try {
    return parseIdx(await maybeGunzip(file.bytes, maxBytes, file.name));
  } catch (e) {
    if (e instanceof DataFormatError) throw new DatasetImportError('DATA_IDX_MALFORMED', `${e.code}: ${e.message}`, { file: file.name });
    throw e;
  }
}

function utf8(file: UploadFile): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(file.bytes);
  } catch {
    throw new DatasetImportError('DATA_ENCODING', 'the file is not valid UTF-8; save it as UTF-8', { file: file.name });
  }
}
