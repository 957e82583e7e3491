// A VerticalChannel over the coordinator's relay socket (browser WebSocket or the `ws` package).
import { VerticalError } from '../VerticalError.ts';
import { Mailbox } from './channel.ts';
import type { VerticalChannel, VerticalReport } from './channel.ts';
import type { CoordinatorEnvelope, PartyEnvelope } from './relayMessages.ts';

/** The part of a WebSocket this needs; both the browser's and `ws`'s fit. */
export interface RelaySocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: () => void): void;
}

/** A joined party: its welcome, a promise for the start, the channel, and how to finish. */
export interface RelayParty {
  welcome: Extract<CoordinatorEnvelope, { type: 'vertical.welcome' }>;
  started: Promise<void>;
  channel: VerticalChannel;
  done(): void;
  fail(error: unknown): void;
}

/**
 * Waits for the coordinator's welcome on an opened socket and wraps it as a channel: relayed
 * payloads go to a {@link Mailbox}; a coordinator error, an abort or a closed socket fail every
 * pending receive. Relayed payloads are not trusted here: the party's state machines validate them.
 * @example
 * const party = await joinRelay(new WebSocket(`${url}/vertical/ws?job=${id}&role=host&token=${t}`));
 * await party.started;
 * await runHeteroLrHost(party.channel, data, party.welcome.settings);
 * party.done();
 */
export function joinRelay(socket: RelaySocket, onReport?: (r: VerticalReport) => void): Promise<RelayParty> {
  const mailbox = new Mailbox();
  const send = (m: PartyEnvelope): void => socket.send(JSON.stringify(m));
  let resolveStart!: () => void;
  let rejectStart!: (e: unknown) => void;
  const started = new Promise<void>((resolve, reject) => {
    resolveStart = resolve;
    rejectStart = reject;
  });
  started.catch(() => undefined);
  return new Promise((resolve, reject) => {
    const failAll = (error: unknown): void => {
      mailbox.fail(error);
      rejectStart(error);
      reject(error);
    };
    socket.addEventListener('message', (event) => {
      let m: CoordinatorEnvelope;
      try {
        m = JSON.parse(String(event.data)) as CoordinatorEnvelope;
      } catch {
        return failAll(new VerticalError('VFL_MALFORMED', 'the coordinator sent invalid JSON'));
      }
      switch (m.type) {
        case 'vertical.welcome':
          return resolve({
            welcome: m,
            started,
            channel: {
              send: (to, payload) => send({ type: 'vertical.relay', to: to as never, payload: payload as { type: string } }),
              receive: (from, type) => mailbox.receive(from, type),
              report: (report) => {
                onReport?.(report);
                send({ type: 'vertical.report', report });
              },
            },
            done: () => send({ type: 'vertical.done' }),
            fail: (error) => {
              // VerticalError, PsiError and PaillierError all carry a stable string code.
              const coded = (error as { code?: unknown } | null)?.code;
              const code = typeof coded === 'string' ? coded : 'VFL_PARTY_FAILED';
              send({ type: 'vertical.failed', code, message: error instanceof Error ? error.message : String(error) });
            },
          });
        case 'vertical.start':
          return resolveStart();
        case 'vertical.relay':
          try {
            mailbox.deliver(m.from, m.payload);
          } catch (e) {
            failAll(e);
          }
          return;
        case 'vertical.error':
          return failAll(new VerticalError('VFL_MALFORMED', `coordinator refused a message: ${m.code} ${m.message}`));
        case 'vertical.aborted':
          return failAll(new VerticalError('VFL_OUT_OF_ORDER', `job aborted: ${m.reason}`));
        default:
          return failAll(new VerticalError('VFL_MALFORMED', 'unknown message from the coordinator'));
      }
    });
    socket.addEventListener('close', () => failAll(new VerticalError('VFL_OUT_OF_ORDER', 'the relay socket closed')));
  });
}
