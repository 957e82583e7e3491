// `npm start`: runs the coordinator until SIGINT/SIGTERM.

import { parseCoordinatorArgs, startCoordinator, startEdgeFromSettings, type CoordinatorSettings } from './start.ts';
import { coordinatorUsage } from './usage.ts';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(coordinatorUsage());
  process.exit(0);
}
let settings: CoordinatorSettings;
try {
  settings = parseCoordinatorArgs(argv, process.env);
} catch (err) {
  // A mistyped flag or value is the operator's, not a crash: one line, and where to look.
  process.stderr.write(`flotilla: ${err instanceof Error ? err.message : String(err)}\n(npm start -- --help lists the flags)\n`);
  process.exit(2);
}
if (settings.role === 'edge') {
  const edge = await startEdgeFromSettings(settings);
  process.stdout.write(
    `\nFlotilla edge ${edge.edgeId} listening on ${edge.url}\n` +
    `  clients connect to   ${edge.url.replace(/^http/, 'ws')}/ws\n` +
    `  root reached through ${settings.natsUrl}\n\n`,
  );
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      edge.close().then(() => process.exit(0), () => process.exit(1));
    });
  }
} else {
  await runCoordinator(settings);
}

async function runCoordinator(settings: CoordinatorSettings): Promise<void> {
  const { app, url, operator } = await startCoordinator(settings);
  // Printed to the terminal (never to the log), like Jupyter: the token rides in the URL fragment,
  // which browsers do not send; the dashboard strips it and trades it for an HttpOnly session cookie.
  const dashboard = operator.source === 'configured'
    ? `${url}/dashboard   (with the operator token you configured)`
    : `${url}/dashboard#token=${operator.token}`;
  process.stdout.write(
    `\nFlotilla coordinator listening on ${url}\n` +
    `  operator dashboard   ${dashboard}\n` +
    (operator.source === 'generated' ? `  operator token       generated and saved in ${operator.file} (mode 0600)\n` : '') +
    (settings.joinToken ? '  clients must send    the configured join token\n' : '') +
    (settings.abuse?.trustProxy ? `  X-Forwarded-For      believed from ${settings.abuse.trustProxy === true ? 'any peer' : settings.abuse.trustProxy}\n` : '') +
    `  clients connect to   ${url.replace(/^http/, 'ws')}/ws\n` +
    `  REST API             ${url}/api/tasks   (OpenAPI: ${url}/api/openapi.json)\n` +
    `  events               ${url}/api/events\n` +
    (settings.natsUrl ? `  edges through        ${settings.natsUrl} (the root of edge aggregators)\n` : '') +
    `  data directory       ${settings.dataDir}\n\n`,
  );

  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (closing) process.exit(1);
      closing = true;
      app.log.info({ signal }, 'shutting down; running tasks resume at the next start');
      app.close().then(() => process.exit(0), () => process.exit(1));
    });
  }
}
