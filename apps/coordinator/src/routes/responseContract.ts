// Responses checked against their schemas (packages/protocol views): every JSON answer is
// validated before it is sent, and every /api route answers errors as `{ code, message }`.

import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Kind, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ErrorCodes, ErrorView, FlotillaError } from '@flotilla/protocol';

/**
 * Error answers of any /api route: the shared coded body. Added to routes that declare a success
 * response (a route that declares none is caught by the route-contract test instead).
 */
const ERROR_RESPONSES = { '4xx': ErrorView, '5xx': ErrorView } as const;

/** A route's response violated its schema: the message names the route, the status and the first failing path. */
function violation(method: string, url: string, status: string, path: string, message: string): string {
  return `response of ${method} ${url} (${status}) violates its schema at ${path || '/'}: ${message}`;
}

/**
 * Makes the app serialize JSON responses with JSON.stringify after checking them against the
 * route's response schema (compiled once per route and status). `strict` (tests, and
 * FLOTILLA_STRICT_RESPONSES=1) turns a violation into a 500 FLT_INTERNAL naming the field;
 * otherwise the answer is sent and the violation logged, so a deployed coordinator keeps serving
 * a record the schema has not caught up with. Unlike Fastify's default serializer nothing is
 * dropped or coerced silently: what the handler returned is what the client reads.
 * @example installResponseContract(app, { strict: true, log: app.log });
 */
export function installResponseContract(app: FastifyInstance, options: { strict: boolean; log: FastifyBaseLogger }): void {
  app.setSerializerCompiler(({ schema, method, url, httpStatus }) => {
    const typed = schema as TSchema;
    // Binary and text answers (weights, the event stream) are documented, never serialized here.
    if (!(Kind in typed) || typed[Kind] === 'Unsafe') return (data) => JSON.stringify(data);
    const check = TypeCompiler.Compile(typed);
    return (data) => {
      if (!check.Check(data)) {
        const first = check.Errors(data).First();
        const message = violation(method, url, httpStatus ?? 'default', first?.path ?? '/', first?.message ?? 'invalid');
        if (options.strict) throw new FlotillaError(ErrorCodes.INTERNAL, message);
        options.log.error({ method, url, status: httpStatus }, message);
      }
      return JSON.stringify(data);
    };
  });
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || !route.schema?.response) return;
    route.schema.response = { ...ERROR_RESPONSES, ...(route.schema.response as Record<string, unknown>) };
  });
}

/** True when responses are validated strictly: under Vitest, or when FLOTILLA_STRICT_RESPONSES=1. */
export function strictResponsesByDefault(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.FLOTILLA_STRICT_RESPONSES === '1' || (env.VITEST !== undefined && env.FLOTILLA_STRICT_RESPONSES !== '0');
}
