// Who may call a route, decided by the route Fastify matched (its pattern and its `config.access`),
// never by the URL text: the router decodes percent-escapes, and the text a check sees is not the
// path the router resolves (`/%61pi/tasks` is `/api/tasks`).

import type { FastifyInstance } from 'fastify';

/**
 * `operator`: the operator token or a dashboard session. `client`: what federated clients fetch
 * (the weights they train from, simulated partitions), open. `public`: liveness, the web pages,
 * the sockets and the party routes, which check their own tokens.
 */
export type RouteAccess = 'operator' | 'client' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; the default is `operator` under /api and /metrics, `public` elsewhere. */
    access?: RouteAccess;
    /** The route also takes the operator token as `?access_token=` (EventSource cannot send headers). */
    queryToken?: boolean;
  }
}

/** One registered route with the access the auth hook gives it. */
export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess;
  /** The statuses the route's response schema declares (`200`, `201`, `4xx` …); empty when it declares none. */
  responses: string[];
}

const OPERATOR_PREFIX = /^\/(?:api|metrics)(?:\/|$)/;

/** The access a route pattern gets when it declares none. */
export function defaultAccess(pattern: string): RouteAccess {
  return OPERATOR_PREFIX.test(pattern) ? 'operator' : 'public';
}

/**
 * True when a request path, decoded and normalised the way any router or file server might
 * (percent-escapes, case, backslashes, repeated slashes, dot segments, `;` parameters), names
 * /api or /metrics in any of its segments (`//host/api/…` is a path some proxies read as a URL;
 * `/metrics%3F` decodes to a segment `metrics?`).
 * Used for requests no specific route matched, so that a 404 handler or the static files' wildcard
 * never answers an operator path without the token. Undecodable paths count.
 */
export function underOperatorPrefix(rawUrl: string): boolean {
  let path = rawUrl.split(/[?#]/, 1)[0]!;
  for (let i = 0; i < 3 && /%[0-9a-f]{2}/i.test(path); i++) {
    try {
      path = decodeURIComponent(path);
    } catch {
      return true;
    }
  }
  path = path.toLowerCase().replace(/\\/g, '/').replace(/;[^/]*/g, '');
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment.trim());
  }
  // `metrics?` or `api\0` after decoding: a segment that starts with the prefix and goes on with
  // anything a file name would not continue with counts.
  return segments.some((s) => /^(?:api|metrics)(?![a-z0-9_.-])/.test(s));
}

/**
 * Records every route registered after it is installed, with its access, so a test can try every
 * operator route (a route added later is covered without editing the test).
 * @example const routes = collectRoutes(app); await app.register(plugin); routes.filter((r) => r.access === 'operator');
 */
export function collectRoutes(app: FastifyInstance): RouteEntry[] {
  const routes: RouteEntry[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const access = route.config?.access ?? defaultAccess(route.url);
    const responses = Object.keys((route.schema?.response as Record<string, unknown> | undefined) ?? {});
    for (const method of methods) routes.push({ method, url: route.url, access, responses });
  });
  return routes;
}
