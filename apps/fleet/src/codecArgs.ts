// `--uplink` / `--downlink`: a codec named on the command line, with its one parameter after a colon.

import { SUPPORTED_CODECS, type CodecSpec } from '@flotilla/protocol';

/**
 * A codec from its command-line form: float32, float16, int8[:tensor|channel], topk[:FRACTION],
 * qsgd[:LEVELS]. Throws an Error naming the expected forms for anything else.
 * @example parseCodecArg('topk:0.01') // { codec: 'topk', fraction: 0.01 }
 */
export function parseCodecArg(text: string): CodecSpec {
  const [name, param] = text.split(':', 2) as [string, string | undefined];
  const bad = () => new Error(`expected float32, float16, int8[:tensor|channel], topk[:FRACTION] or qsgd[:LEVELS], got ${text}`);
  if (!SUPPORTED_CODECS.includes(name as CodecSpec['codec'])) throw bad();
  switch (name as CodecSpec['codec']) {
    case 'float32':
    case 'float16':
      if (param !== undefined) throw bad();
      return { codec: name as 'float32' | 'float16' };
    case 'int8':
      if (param !== undefined && param !== 'tensor' && param !== 'channel') throw bad();
      return { codec: 'int8', granularity: param ?? 'tensor', stochastic: true };
    case 'topk': {
      const fraction = param === undefined ? 0.01 : Number(param);
      if (!(fraction > 0 && fraction <= 1)) throw bad();
      return { codec: 'topk', fraction, errorFeedback: true };
    }
    case 'qsgd': {
      const levels = param === undefined ? 16 : Number(param);
      if (!(Number.isInteger(levels) && levels >= 1 && levels <= 127)) throw bad();
      return { codec: 'qsgd', levels };
    }
    default:
      throw bad();
  }
}
