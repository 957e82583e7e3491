// `npm start -- --help`: every coordinator flag with its environment variable and default.

import { COORDINATOR_FLAGS } from './start.ts';

/**
 * What each flag sets, its environment variable and its default (README's Configuration table
 * says more). Keyed by string because the limit flags come from a table; usage.test.ts checks
 * that every flag has its line.
 */
export const FLAG_HELP: Record<string, [description: string, env: string, fallback: string]> = {
  port: ['port to listen on', 'PORT', '8080'],
  host: ['address to listen on', 'HOST', '127.0.0.1'],
  'data-dir': ['data directory (SQLite, checkpoints, datasets, models)', 'FLOTILLA_DATA_DIR', '.flotilla'],
  'log-level': ['log level (fatal, error, warn, info, debug, trace)', 'LOG_LEVEL', 'info'],
  'no-default-task': ['do not create the MNIST demo task on first start', 'FLOTILLA_NO_DEFAULT_TASK=1', 'off'],
  'max-frame-mb': ['largest WebSocket frame a client may send, MiB', 'FLOTILLA_MAX_FRAME_MB', '16'],
  'operator-token': ['operator token for REST, events, metrics and the dashboard', 'FLOTILLA_OPERATOR_TOKEN', 'generated, kept in <data dir>/operator-token'],
  'join-token': ['token every client hello must carry', 'FLOTILLA_JOIN_TOKEN', 'none'],
  'tls-cert': ['TLS certificate (PEM), with --tls-key', 'FLOTILLA_TLS_CERT', 'none: plain HTTP and WS'],
  'tls-key': ['TLS private key (PEM), with --tls-cert', 'FLOTILLA_TLS_KEY', 'none'],
  'eval-timeout-s': ['longest central evaluation in the model worker, seconds', 'FLOTILLA_EVAL_TIMEOUT_S', '600'],
  'baseline-epoch-timeout-s': ['longest gap between two baseline epochs, seconds', 'FLOTILLA_BASELINE_EPOCH_TIMEOUT_S', '1800'],
  role: ['root (the coordinator) or edge (an edge aggregator holding client sockets, needs --nats)', 'FLOTILLA_ROLE', 'root'],
  nats: ['NATS server with JetStream a root and its edges share (nats://host:4222); the root then combines its edges\' partial sums', 'FLOTILLA_NATS_URL', 'none: one process'],
  'edge-id': ['this edge\'s name (letters, digits, _ and -), shown on the dashboard', 'FLOTILLA_EDGE_ID', 'edge-<random>'],
  'max-connections': ['open /ws connections in total', 'FLOTILLA_MAX_CONNECTIONS', '4096'],
  'max-connections-per-address': ['open /ws connections per remote address (IPv6: per /64)', 'FLOTILLA_MAX_CONNECTIONS_PER_ADDRESS', '256'],
  'hellos-per-minute': ['hellos per minute per remote address', 'FLOTILLA_HELLOS_PER_MINUTE', '240'],
  'hello-burst': ['hellos per remote address at once', 'FLOTILLA_HELLO_BURST', '256'],
  'messages-per-second': ['messages per second per connection', 'FLOTILLA_MESSAGES_PER_SECOND', '50'],
  'message-burst': ['messages per connection at once', 'FLOTILLA_MESSAGE_BURST', '200'],
  'max-event-streams': ['concurrent event streams (/api/events)', 'FLOTILLA_MAX_EVENT_STREAMS', '64'],
  'events-per-task': ['events kept per task', 'FLOTILLA_EVENTS_PER_TASK', '10000'],
  'idle-client-hours': ['hours after which a client that never trained is forgotten', 'FLOTILLA_IDLE_CLIENT_HOURS', '24'],
  'max-dataset-upload-mb': ['largest dataset upload, MiB', 'FLOTILLA_MAX_DATASET_UPLOAD_MB', '256'],
  'max-datasets-mb': ['all registered datasets together, MiB', 'FLOTILLA_MAX_DATASETS_MB', '4096'],
  'max-dataset-examples': ['most examples in one dataset', 'FLOTILLA_MAX_DATASET_EXAMPLES', '1000000'],
  'trust-proxy': ['proxies whose X-Forwarded-For is believed (true, or addresses/CIDRs)', 'FLOTILLA_TRUST_PROXY', 'none'],
};

/**
 * The text `npm start -- --help` prints.
 * @example process.stdout.write(coordinatorUsage());
 */
export function coordinatorUsage(): string {
  const rows = Object.entries(COORDINATOR_FLAGS).map(([flag, option]) => {
    const [description, env, fallback] = FLAG_HELP[flag] ?? ['', '', ''];
    const value = option.type === 'string' ? ' <value>' : '';
    return `  --${flag}${value}\n      ${description}\n      env ${env}; default ${fallback}\n`;
  });
  return 'Usage: npm start -- [flags]   (flags win over environment variables)\n\n' + rows.join('') +
    '  --help, -h\n      print this and exit\n';
}
