// Who may join: the coordinator's global join token (--join-token), or a token the operator issued
// to one client or cohort, kept in the store as a SHA-256 hash and revocable. Revoking one
// disconnects the clients that joined with it. Once any token was issued (even if all are revoked
// since), a hello needs a token: revoking the last one must not open the door.

import { createHash, randomUUID } from 'node:crypto';
import { ErrorCodes, FlotillaError, errorMessage, type JoinTokenView } from '@flotilla/protocol';
import type { ClientRegistry } from '../engine/ClientRegistry.ts';
import type { JoinTokenRecord, Store } from '../store/Store.ts';
import { sameSecret } from './operatorAuth.ts';
import { secretToken } from './operatorToken.ts';

/** What an admitted hello joined with: an issued token (its id, and the task it is bound to) or none. */
export interface JoinGrant {
  tokenId: string | null;
  taskId: string | null;
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Issues, checks and revokes join tokens.
 * @example const { token } = joinTokens.issue({ label: 'ward 3 tablets' }); joinTokens.admit(token, null, undefined);
 */
export class JoinTokens {
  /** Connected client ids per issued token id, so a revocation knows whom to disconnect. */
  private readonly joined = new Map<string, Set<string>>();

  constructor(private readonly store: Store, private readonly registry: ClientRegistry, private readonly now: () => number = Date.now) {
    registry.on('left', (clientId: string) => {
      for (const clients of this.joined.values()) clients.delete(clientId);
    });
  }

  /** Creates a token; the answer is the only place the token itself ever appears. */
  issue(input: { label: string; taskId?: string | undefined }): { view: JoinTokenView; token: string } {
    if (input.taskId !== undefined && !this.store.getTask(input.taskId)) throw new FlotillaError(ErrorCodes.TASK_NOT_FOUND, `no task ${input.taskId}`);
    const token = secretToken();
    const record: JoinTokenRecord = {
      id: randomUUID(), tokenHash: hashToken(token), label: input.label.trim() || 'unnamed', taskId: input.taskId ?? null,
      createdAt: this.now(), revokedAt: null, lastUsedAt: null,
    };
    this.store.insertJoinToken(record);
    return { view: this.view(record), token };
  }

  list(): JoinTokenView[] {
    return this.store.listJoinTokens().map((r) => this.view(r));
  }

  /** Revokes a token and disconnects, with a fatal FLT_JOIN_REVOKED, every client that joined with it. */
  revoke(id: string): JoinTokenView {
    const record = this.store.revokeJoinToken(id, this.now());
    if (!record) throw new FlotillaError(ErrorCodes.NOT_FOUND, `no join token ${id}`);
    const error = new FlotillaError(ErrorCodes.JOIN_REVOKED, 'the join token this client joined with was revoked', true);
    for (const clientId of this.joined.get(id) ?? []) {
      const client = this.registry.get(clientId);
      if (!client) continue;
      client.send(errorMessage(error));
      client.close(1008, error.code);
    }
    this.joined.delete(id);
    return this.view(record);
  }

  /**
   * Checks a hello's join token against the global one and the issued ones; throws the fatal coded
   * refusal (FLT_JOIN_REFUSED, or FLT_JOIN_REVOKED for a revoked token) otherwise.
   */
  admit(presented: string | undefined, globalToken: string | null, taskId: string | undefined): JoinGrant {
    const open: JoinGrant = { tokenId: null, taskId: null };
    if (globalToken !== null && presented !== undefined && sameSecret(presented, globalToken)) return open;
    const record = presented === undefined ? null : this.store.findJoinToken(hashToken(presented));
    if (!record) {
      const required = globalToken !== null || this.store.listJoinTokens().length > 0;
      if (!required) return open;
      throw new FlotillaError(ErrorCodes.JOIN_REFUSED, presented === undefined ? 'this coordinator needs a client join token' : 'the client join token is wrong', true);
    }
    if (record.revokedAt !== null) throw new FlotillaError(ErrorCodes.JOIN_REVOKED, 'this join token was revoked by the operator', true);
    if (record.taskId !== null && taskId !== undefined && taskId !== record.taskId) {
      throw new FlotillaError(ErrorCodes.JOIN_REFUSED, `this join token admits to task ${record.taskId} only`, true);
    }
    this.store.touchJoinToken(record.id, this.now());
    return { tokenId: record.id, taskId: record.taskId };
  }

  /** Remembers that `clientId` joined with the grant's token (nothing for the global token). */
  bind(grant: JoinGrant, clientId: string): void {
    if (grant.tokenId === null) return;
    const clients = this.joined.get(grant.tokenId) ?? new Set<string>();
    clients.add(clientId);
    this.joined.set(grant.tokenId, clients);
  }

  private view({ tokenHash: _secret, ...record }: JoinTokenRecord): JoinTokenView {
    const connected = [...(this.joined.get(record.id) ?? [])].filter((id) => this.registry.get(id) !== undefined).length;
    return { ...record, connectedClients: connected };
  }
}
