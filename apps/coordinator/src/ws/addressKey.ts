// The key per-address limits count under. An IPv4 address is itself (also when IPv4-mapped); an
// IPv6 address counts as its /64, because one subscriber is routinely given a whole /64 and could
// otherwise take a fresh address for every connection.

import { isIPv4, isIPv6 } from 'node:net';

/**
 * @example addressKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 * @example addressKey('::ffff:192.0.2.7')     // '192.0.2.7'
 */
export function addressKey(ip: string): string {
  const bare = ip.replace(/%.*$/, '');
  if (bare.toLowerCase().startsWith('::ffff:') && isIPv4(bare.slice(7))) return bare.slice(7);
  if (!isIPv6(bare) || bare === '::1') return bare;
  const [head = '', tail] = bare.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail is two groups; only the first four groups matter here.
  const tailCount = tailGroups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailCount)).fill('0'), ...tailGroups];
  return `${groups.slice(0, 4).map((g) => (g.includes('.') ? g : parseInt(g, 16).toString(16))).join(':')}::/64`;
}
