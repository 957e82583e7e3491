// Role names of a vertical job with k hosts: guest, host, host-2 … host-k, arbiter.
import { VerticalError } from './VerticalError.ts';

/** A feature-holding party without labels: the first is `host`, so every two-party job keeps its names. */
export type HostRole = 'host' | `host-${number}`;

/** Most hosts a job may have (the guest runs one PSI and one gradient stream per host). */
export const MAX_HOSTS = 4;

/**
 * The hosts of a job with `hosts` of them, in order (VFL_BAD_PARAMETER outside 1..MAX_HOSTS).
 * @example hostRoles(3) // ['host', 'host-2', 'host-3']
 */
export function hostRoles(hosts = 1): HostRole[] {
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS) throw new VerticalError('VFL_BAD_PARAMETER', `hosts must be an integer in [1, ${MAX_HOSTS}]`);
  return Array.from({ length: hosts }, (_, i): HostRole => (i === 0 ? 'host' : `host-${i + 1}`));
}

/** Index of a host role in {@link hostRoles} (0 for `host`), or -1 if `role` is not one of them. */
export function hostIndex(role: string, hosts = 1): number {
  return (hostRoles(hosts) as string[]).indexOf(role);
}
