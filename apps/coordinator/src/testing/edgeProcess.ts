// An edge aggregator as its own process, as `npm start -- --role edge` runs it, so a test can
// kill it with SIGKILL mid-round.

import { startMainProcess, type MainProcess } from './mainProcess.ts';

/**
 * Starts `main.ts --role edge --nats URL --edge-id ID --port 0`; resolves once it prints where it listens.
 * @example const { child, url } = await startEdgeProcess(nats.url, 'edge-b');
 */
export function startEdgeProcess(natsUrl: string, edgeId: string): Promise<MainProcess> {
  return startMainProcess(['--role', 'edge', '--nats', natsUrl, '--edge-id', edgeId, '--port', '0', '--log-level', 'warn'], 'edge');
}
