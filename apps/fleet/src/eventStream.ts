// A small server-sent-events reader over fetch, for watching the coordinator from Node, and a
// follower that keeps watching across coordinator restarts.

import { StreamEndedError, type CoordinatorLink } from './coordinatorLink.ts';

const SILENCE_MS = 45_000;

export interface StreamEvent {
  id: string | null;
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads `url` as text/event-stream until the signal aborts, calling onEvent for each event.
 * Resolves when the signal aborts or the server ends the stream; throws when the connection fails.
 * @example await readEventStream(`${url}/api/events?taskId=${id}`, (e) => console.log(e.event), signal);
 */
export async function readEventStream(
  url: string, onEvent: (e: StreamEvent) => void, signal: AbortSignal, headers: Record<string, string> = {}, onOpen: () => void = () => {},
): Promise<void> {
  // A coordinator whose host vanished sends no FIN: silence past a few keepalives (15 s apart) is a cut.
  const silence = new AbortController();
  let silent = false;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const rearm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      silent = true;
      silence.abort();
    }, SILENCE_MS);
  };
  const failure = (err: unknown) => (silent && !signal.aborted ? new StreamEndedError(`no keepalive from the coordinator for ${SILENCE_MS / 1000} s`) : err);
  rearm();
  let response: Response;
  try {
    response = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal: AbortSignal.any([signal, silence.signal]) });
  } catch (err) {
    clearTimeout(watchdog);
    if (signal.aborted) return;
    throw failure(err);
  }
  if (!response.ok || !response.body) {
    clearTimeout(watchdog);
    await response.body?.cancel();
    throw Object.assign(new Error(`event stream ${url.replace(/access_token=[^&]*/, 'access_token=…')}: HTTP ${response.status}`), { status: response.status });
  }
  onOpen();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      rearm();
      buffer += decoder.decode(chunk, { stream: true });
      let split: number;
      while ((split = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        const event = parseBlock(block);
        if (event) onEvent(event);
      }
    }
  } catch (err) {
    if (signal.aborted) return;
    throw failure(err);
  } finally {
    clearTimeout(watchdog);
  }
  if (silent && !signal.aborted) throw failure(null);
}

/**
 * Follows the coordinator's durable events until `until` aborts: when the stream breaks or the
 * coordinator ends it (a crash, a restart), it reconnects through `link` with backoff and resumes
 * after the last event seen (`?after=`), so no event is lost or seen twice across the gap.
 * @example await followEventStream(`${url}/api/events?taskId=${id}&ephemeral=false`, onEvent, link, until);
 */
export async function followEventStream(
  url: string, onEvent: (e: StreamEvent) => void, link: CoordinatorLink, until: AbortSignal, headers: Record<string, string> = {},
): Promise<void> {
  let lastSeq = 0;
  const track = (e: StreamEvent) => {
    if (e.id !== null && Number(e.id) > lastSeq) lastSeq = Number(e.id);
    onEvent(e);
  };
  while (!until.aborted) {
    try {
      await readEventStream(lastSeq > 0 ? `${url}&after=${lastSeq}` : url, track, until, headers, () => link.up());
      if (until.aborted) return;
      throw new StreamEndedError('the coordinator closed the event stream');
    } catch (err) {
      const status = (err as { status?: number }).status;
      // A 5xx while the coordinator starts is an outage; a 401/404 is an answer.
      await link.failed(status !== undefined && status >= 500 ? new StreamEndedError((err as Error).message) : err, 'event stream');
    }
  }
}

function parseBlock(block: string): StreamEvent | null {
  let id: string | null = null;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  try {
    return { id, event, data: JSON.parse(data.join('\n')) };
  } catch {
    return null;
  }
}
