import { describe, expect, it } from 'vitest';
import { parseCoordinatorArgs } from './start.ts';

describe('limit settings', () => {
  it('reads every limit from flags, which win over the environment', () => {
    const settings = parseCoordinatorArgs(
      ['--max-connections', '100', '--max-connections-per-address', '10', '--hellos-per-minute', '30', '--hello-burst', '5',
        '--messages-per-second', '7', '--message-burst', '20', '--max-event-streams', '3', '--events-per-task', '500', '--idle-client-hours', '2'],
      { FLOTILLA_MAX_CONNECTIONS: '9', FLOTILLA_MAX_EVENT_STREAMS: '4' },
    );

    expect(settings.abuse).toEqual({
      limits: { maxConnections: 100, maxConnectionsPerAddress: 10, hellosPerMinute: 30, helloBurst: 5, messagesPerSecond: 7, messageBurst: 20, maxEventStreams: 3 },
      retention: { eventsPerTask: 500, idleClientMs: 7_200_000 },
      datasets: {},
      trustProxy: false,
    });
  });

  it('reads limits and the trusted proxies from the environment, and leaves out what is not given', () => {
    const settings = parseCoordinatorArgs([], { FLOTILLA_MESSAGES_PER_SECOND: '5', FLOTILLA_TRUST_PROXY: '10.0.0.0/8,127.0.0.1' });

    expect(settings.abuse).toEqual({ limits: { messagesPerSecond: 5 }, retention: {}, datasets: {}, trustProxy: '10.0.0.0/8,127.0.0.1' });
    expect(parseCoordinatorArgs(['--trust-proxy', 'true'], {}).abuse?.trustProxy).toBe(true);
  });

  it('reads the dataset limits in MiB and examples', () => {
    const settings = parseCoordinatorArgs(['--max-dataset-upload-mb', '2', '--max-dataset-examples', '5000'], { FLOTILLA_MAX_DATASETS_MB: '10' });

    expect(settings.abuse?.datasets).toEqual({ maxUploadBytes: 2 * 1024 * 1024, maxTotalBytes: 10 * 1024 * 1024, maxExamples: 5000 });
  });

  it('refuses a limit that is not a positive number, naming the flag', () => {
    expect(() => parseCoordinatorArgs(['--max-connections', '0'], {})).toThrow(/--max-connections \(FLOTILLA_MAX_CONNECTIONS\) must be a positive number/);
    expect(() => parseCoordinatorArgs([], { FLOTILLA_HELLO_BURST: 'lots' })).toThrow(/--hello-burst/);
  });
});
