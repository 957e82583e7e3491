// A small server-sent-events reader over fetch, for watching the coordinator from Node.

export interface StreamEvent {
  id: string | null;
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads `url` as text/event-stream until the signal aborts, calling onEvent for each event.
 * @example await readEventStream(`${url}/api/events?taskId=${id}`, (e) => console.log(e.event), signal);
 */
export async function readEventStream(url: string, onEvent: (e: StreamEvent) => void, signal: AbortSignal, headers: Record<string, string> = {}): Promise<void> {
  const response = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal });
  if (!response.ok || !response.body) throw new Error(`event stream ${url}: HTTP ${response.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
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
    if (!signal.aborted) throw err;
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
