// REST shapes of issued join tokens: per-client or per-cohort credentials a hello may carry
// instead of the coordinator's global join token, revocable one by one.

import { Type, type Static } from '@sinclair/typebox';

/** `POST /api/join-tokens`: a label (the client or cohort it is for) and, optionally, the one task it admits to. */
export const CreateJoinToken = Type.Object({
  label: Type.String({ minLength: 1, maxLength: 100 }),
  taskId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
}, { additionalProperties: false });
export type CreateJoinToken = Static<typeof CreateJoinToken>;

/** An issued join token as listed: never the token itself (only its SHA-256 is stored). */
export const JoinTokenView = Type.Object({
  id: Type.String(),
  label: Type.String(),
  taskId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
  lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
  /** Clients connected right now that joined with this token. */
  connectedClients: Type.Integer(),
});
export type JoinTokenView = Static<typeof JoinTokenView>;

/** The answer to a creation: the view and, this once, the token. */
export const IssuedJoinToken = Type.Intersect([JoinTokenView, Type.Object({ token: Type.String() })]);
export type IssuedJoinToken = Static<typeof IssuedJoinToken>;
