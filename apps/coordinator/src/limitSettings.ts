// The coordinator's abuse limits and retention as flags and environment variables: one table
// entry per setting, from which parsing, validation and the option list are derived.

import type { DatasetLimits } from './datasets/DatasetRegistry.ts';
import type { AdmissionLimits } from './ws/admission.ts';
import type { RetentionOptions } from './store/retention.ts';

interface NumberSetting {
  flag: string;
  env: string;
  /** Where the value goes, and how a flag value becomes it. */
  apply(settings: LimitSettings, value: number): void;
}

export interface LimitSettings {
  limits: Partial<AdmissionLimits>;
  retention: Partial<RetentionOptions>;
  /** Dataset registry limits: upload size, total size, examples per dataset. */
  datasets: Partial<DatasetLimits>;
  /** Fastify's trustProxy: false (default), true, or the proxies' addresses/CIDRs. */
  trustProxy: boolean | string;
}

const MIB = 1024 * 1024;

const limit = (flag: string, env: string, key: keyof AdmissionLimits): NumberSetting => ({
  flag, env, apply: (s, v) => { s.limits[key] = v; },
});

/** Every numeric limit: a positive number, given as a flag or in the environment. */
export const LIMIT_SETTINGS: readonly NumberSetting[] = [
  limit('max-connections', 'FLOTILLA_MAX_CONNECTIONS', 'maxConnections'),
  limit('max-connections-per-address', 'FLOTILLA_MAX_CONNECTIONS_PER_ADDRESS', 'maxConnectionsPerAddress'),
  limit('hellos-per-minute', 'FLOTILLA_HELLOS_PER_MINUTE', 'hellosPerMinute'),
  limit('hello-burst', 'FLOTILLA_HELLO_BURST', 'helloBurst'),
  limit('messages-per-second', 'FLOTILLA_MESSAGES_PER_SECOND', 'messagesPerSecond'),
  limit('message-burst', 'FLOTILLA_MESSAGE_BURST', 'messageBurst'),
  limit('max-event-streams', 'FLOTILLA_MAX_EVENT_STREAMS', 'maxEventStreams'),
  { flag: 'events-per-task', env: 'FLOTILLA_EVENTS_PER_TASK', apply: (s, v) => { s.retention.eventsPerTask = v; } },
  { flag: 'idle-client-hours', env: 'FLOTILLA_IDLE_CLIENT_HOURS', apply: (s, v) => { s.retention.idleClientMs = v * 3_600_000; } },
  { flag: 'max-dataset-upload-mb', env: 'FLOTILLA_MAX_DATASET_UPLOAD_MB', apply: (s, v) => { s.datasets.maxUploadBytes = Math.round(v * MIB); } },
  { flag: 'max-datasets-mb', env: 'FLOTILLA_MAX_DATASETS_MB', apply: (s, v) => { s.datasets.maxTotalBytes = Math.round(v * MIB); } },
  { flag: 'max-dataset-examples', env: 'FLOTILLA_MAX_DATASET_EXAMPLES', apply: (s, v) => { s.datasets.maxExamples = Math.floor(v); } },
];

/** parseArgs options for the table's flags and --trust-proxy. */
export const limitFlagOptions = Object.fromEntries([
  ...LIMIT_SETTINGS.map((s) => [s.flag, { type: 'string' as const }]),
  ['trust-proxy', { type: 'string' as const }],
]) as Record<string, { type: 'string' }>;

/**
 * Flags win over environment variables; a setting given nowhere keeps its default.
 * @example limitSettings({ 'max-connections': '100' }, process.env)
 */
export function limitSettings(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): LimitSettings {
  const settings: LimitSettings = { limits: {}, retention: {}, datasets: {}, trustProxy: trustProxyValue(flags['trust-proxy'] ?? env.FLOTILLA_TRUST_PROXY) };
  for (const setting of LIMIT_SETTINGS) {
    const raw = flags[setting.flag] ?? env[setting.env];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${setting.flag} (${setting.env}) must be a positive number, not ${JSON.stringify(raw)}`);
    setting.apply(settings, value);
  }
  return settings;
}

function trustProxyValue(raw: unknown): boolean | string {
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  return String(raw);
}
