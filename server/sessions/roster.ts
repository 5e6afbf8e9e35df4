/**
 * The participants of one session: who they are, their role, whether their connection is up,
 * and the ids the host removed (refused if they come back through connection recovery).
 * Plain state; the hub owns the timers and the broadcasts.
 */
import type { ParticipantInfo, PresencePayload, Role } from '../../shared/protocol/events.js';

export interface Participant extends ParticipantInfo {
  /** SHA-256 (hex) of the host token presented at the handshake, null when none was. */
  hostTokenHash: string | null;
}

export class Roster {
  private readonly participants = new Map<string, Participant>();
  /** Removed participant id → when it may be forgotten (ms, the clock's origin). */
  private readonly removed = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.participants.size;
  }

  get connectedCount(): number {
    let count = 0;
    for (const participant of this.participants.values()) if (participant.connected) count++;
    return count;
  }

  get(id: string): Participant | undefined {
    return this.participants.get(id);
  }

  hasNickname(nickname: string): boolean {
    for (const participant of this.participants.values()) if (participant.nickname === nickname) return true;
    return false;
  }

  add(id: string, nickname: string, role: Role, hostTokenHash: string | null, joinedAt: number): Participant {
    const participant: Participant = { id, nickname, role, joinedAt, connected: true, hostTokenHash };
    this.participants.set(id, participant);
    return participant;
  }

  /** Sets whether `id`'s connection is up; false when there is no such participant. */
  setConnected(id: string, connected: boolean): boolean {
    const participant = this.participants.get(id);
    if (!participant) return false;
    participant.connected = connected;
    return true;
  }

  /** Forgets `id`; when `banFor` ms is given, `wasRemoved(id)` stays true that long. */
  remove(id: string, banFor?: number): Participant | undefined {
    const participant = this.participants.get(id);
    this.participants.delete(id);
    if (banFor !== undefined) this.removed.set(id, this.now() + banFor);
    return participant;
  }

  /** True when the host removed `id` recently (expired entries are forgotten). */
  wasRemoved(id: string): boolean {
    const now = this.now();
    for (const [removedId, until] of this.removed) if (until < now) this.removed.delete(removedId);
    return this.removed.has(id);
  }

  ids(): string[] {
    return [...this.participants.keys()];
  }

  presence(): PresencePayload {
    const participants: ParticipantInfo[] = [...this.participants.values()].map(({ id, nickname, role, joinedAt, connected }) => ({
      id,
      nickname,
      role,
      joinedAt,
      connected,
    }));
    return { count: this.connectedCount, participants };
  }
}
