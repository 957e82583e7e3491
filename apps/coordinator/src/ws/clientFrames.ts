// The frame handling shared by the coordinator's and an edge's /ws: a frame's bytes, the size
// check and parse, the coded error a failure is refused with, and how a refusal reaches the client.

import type { WebSocket } from 'ws';
import { ErrorCodes, FlotillaError, errorMessage, parseClientMessage } from '@flotilla/protocol';
import { closeCodeFor, type Admission, type ConnectionTicket } from './admission.ts';

/**
 * The bytes of one WebSocket frame as `ws` delivers it (a Buffer, fragments, or an ArrayBuffer).
 * @example const bytes = frameBytes(data);
 */
export function frameBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Parses a client frame no larger than `maxFrameBytes`; a larger one is FLT_FRAME_TOO_LARGE (fatal).
 * @example const { message, tensors, words } = parseClientFrame(bytes, isBinary, maxFrameBytes);
 */
export function parseClientFrame(bytes: Uint8Array, isBinary: boolean, maxFrameBytes: number): ReturnType<typeof parseClientMessage> {
  if (bytes.byteLength > maxFrameBytes) {
    throw new FlotillaError(ErrorCodes.FRAME_TOO_LARGE, `frame of ${bytes.byteLength} bytes exceeds ${maxFrameBytes}`, true);
  }
  // A task's model fits a float32 frame (taskModel.ts), so no honest update claims more values.
  return parseClientMessage(bytes, isBinary, { maxElements: Math.floor(maxFrameBytes / 4) });
}

/**
 * The coded error a failure is refused with: a FlotillaError as it is, anything else FLT_INTERNAL
 * (not fatal) after `onUnexpected` has logged it, so no stack or message of ours reaches a client.
 * @example refuse(codedFailure(err, (e) => log.error({ err: e }, 'unexpected failure handling a client message')));
 */
export function codedFailure(err: unknown, onUnexpected?: (err: unknown) => void): FlotillaError {
  if (err instanceof FlotillaError) return err;
  onUnexpected?.(err);
  return new FlotillaError(ErrorCodes.INTERNAL, 'internal error', false);
}

/**
 * How a connection refuses: `record` counts and logs it (without payload), the client gets the coded
 * error, and a fatal one closes the connection with its close code.
 * @example const refuse = socketRefusal(socket, send, (err) => rejections.refused(address, err.code, { reason: err.message }, 'client message refused'));
 */
export function socketRefusal(socket: WebSocket, send: (message: object) => unknown, record: (err: FlotillaError) => void): (err: FlotillaError) => void {
  return (err) => {
    record(err);
    send(errorMessage(err));
    if (err.fatal) socket.close(closeCodeFor(err), err.code);
  };
}

/**
 * The admission ticket of a new connection from `address`, or null once an over-cap connection is refused.
 * @example const ticket = admitConnection(admission, address, refuse); if (!ticket) return;
 */
export function admitConnection(admission: Admission, address: string, refuse: (err: FlotillaError) => void): ConnectionTicket | null {
  try {
    return admission.openConnection(address);
  } catch (err) {
    refuse(codedFailure(err));
    return null;
  }
}
