// Parsing and validation of wire messages, used by both ends: raw text or bytes in, a typed
// message (and its tensors) out, or a FlotillaError with a stable code.

import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ErrorCodes, FlotillaError } from './errors.ts';
import { decodeFrame, type DecodeOptions, type NamedTensor } from './frame.ts';
import {
  SecAggAdvertise, SecAggDeliver, SecAggKeys, SecAggMasked, SecAggReveal, SecAggShares, SecAggUnmask,
} from './secagg.ts';
import {
  ErrorMessage, EvaluateFailed, EvaluatePlan, EvaluationReport, FitFailed, Heartbeat, Hello, Progress, RoundEnd, RoundPlan, Update, UpdateAck, Welcome,
  type ClientMessage, type ServerMessage,
} from './messages.ts';
import { StandingMessage } from './contribution.ts';

export interface Parsed<M> {
  message: M;
  tensors: NamedTensor[];
  /** The u32 words of a `secagg.masked` frame. */
  words?: Uint32Array;
}

type Checkers = Record<string, TypeCheck<TSchema>>;

const compile = (schemas: Record<string, TSchema>): Checkers =>
  Object.fromEntries(Object.entries(schemas).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]));

const clientCheckers = compile({
  hello: Hello, heartbeat: Heartbeat, update: Update, 'fit.failed': FitFailed, progress: Progress,
  evaluation: EvaluationReport, 'evaluate.failed': EvaluateFailed,
  'secagg.advertise': SecAggAdvertise, 'secagg.shares': SecAggShares, 'secagg.masked': SecAggMasked, 'secagg.reveal': SecAggReveal,
});
const serverCheckers = compile({
  welcome: Welcome, 'round.plan': RoundPlan, 'evaluate.plan': EvaluatePlan, 'round.end': RoundEnd, 'update.ack': UpdateAck, error: ErrorMessage,
  'secagg.keys': SecAggKeys, 'secagg.deliver': SecAggDeliver, 'secagg.unmask': SecAggUnmask, standing: StandingMessage,
});
/** Message types that travel in binary frames because they carry tensors (or, masked input, words). */
const binaryTypes = new Set(['update', 'secagg.masked']);

/**
 * Validates a message from a client. Text frames hold JSON; binary frames hold a tensor frame.
 * @example const { message, tensors } = parseClientMessage(data, isBinary);
 */
export function parseClientMessage(data: string | Uint8Array, isBinary: boolean, options?: DecodeOptions): Parsed<ClientMessage> {
  return parseWith(clientCheckers, data, isBinary, options) as Parsed<ClientMessage>;
}

/** Validates a message from the coordinator. */
export function parseServerMessage(data: string | Uint8Array, isBinary: boolean): Parsed<ServerMessage> {
  return parseWith(serverCheckers, data, isBinary) as Parsed<ServerMessage>;
}

function parseWith(checkers: Checkers, data: string | Uint8Array, isBinary: boolean, options?: DecodeOptions): Parsed<unknown> {
  let raw: unknown;
  let tensors: NamedTensor[] = [];
  let words: Uint32Array | undefined;
  if (isBinary) {
    const frame = decodeFrame(typeof data === 'string' ? new TextEncoder().encode(data) : data, options);
    raw = frame.message;
    tensors = frame.tensors;
    words = frame.words;
  } else {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    try {
      raw = JSON.parse(text);
    } catch {
      throw new FlotillaError(ErrorCodes.MALFORMED_JSON, 'message is not valid JSON', true);
    }
  }
  const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  // Own keys only: a type named like an inherited property ("toString") is unknown, not a function to call.
  const checker = typeof type === 'string' && Object.hasOwn(checkers, type) ? checkers[type] : undefined;
  if (!checker) {
    throw new FlotillaError(ErrorCodes.UNKNOWN_TYPE, `unknown message type ${JSON.stringify(type ?? null).slice(0, 64)}`, true);
  }
  if (!checker.Check(raw)) {
    const first = checker.Errors(raw).First();
    const where = first ? `${first.path || '/'}: ${first.message}` : 'invalid';
    throw new FlotillaError(ErrorCodes.SCHEMA_VIOLATION, `${String(type)} message violates its schema at ${where}`, true);
  }
  if (binaryTypes.has(type as string) !== isBinary) {
    throw new FlotillaError(ErrorCodes.SCHEMA_VIOLATION, `${String(type)} must travel in a ${isBinary ? 'text' : 'binary'} frame`, true);
  }
  if ((type === 'secagg.masked') !== (words !== undefined)) {
    throw new FlotillaError(ErrorCodes.SCHEMA_VIOLATION, `${String(type)} ${words ? 'cannot carry' : 'must carry'} a words payload`, true);
  }
  return { message: raw, tensors, ...(words ? { words } : {}) };
}

/** The JSON text of an error message for the wire. */
export function errorMessage(err: FlotillaError): ErrorMessage {
  return { type: 'error', code: err.code, message: err.message, fatal: err.fatal };
}
