/**
 * The types a session hub is driven through: what it broadcasts and how, the typed result of a
 * command, who acts, the recorder hook, and what is saved of a session for a restart.
 */
import type { ErrorCode } from '../../shared/protocol/errors.js';
import type { PolicyMode, ServerToClientEvents } from '../../shared/protocol/events.js';
import type { EngineConfig } from '../../shared/protocol/worker-messages.js';

/** Events a session broadcasts to its room (the rest go to one client). */
export type BroadcastEvent = Exclude<keyof ServerToClientEvents, 'welcome' | 'error' | 'removed' | 'replay'>;
export type BroadcastPayload<E extends BroadcastEvent> = Parameters<ServerToClientEvents[E]>[0];
/** Sends `event` to everyone in the session; volatile events are dropped for a client that cannot keep up. */
export type HubEmit = <E extends BroadcastEvent>(event: E, payload: BroadcastPayload<E>, options?: { volatile?: boolean }) => void;

/** A command's outcome: its value, or why nothing changed. */
export type HubResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

/** Who is acting: a participant id and the host token hash its handshake presented (null: none). */
export interface Actor {
  id: string;
  hostTokenHash: string | null;
}

/** What a session is, for the store: enough to restart it after a server restart (with an engine checkpoint). */
export interface SavedSession {
  id: string;
  code: string;
  name: string;
  /** ms since the Unix epoch. */
  createdAt: number;
  /** SHA-256 (hex) of the host token; the token itself is never kept. */
  hostTokenHash: string;
  policy: PolicyMode;
  /** The run's settings and the coupling in force. */
  config: EngineConfig;
}

/** What became of a proposal. */
export type ProposalOutcome = { outcome: 'applied'; temperature: number; coupling: number } | { outcome: 'proposed'; temperature: number };

export const MARKER_KINDS = ['temperature', 'critical-crossing', 'policy', 'host-action'] as const;
/** Markers in a recording: a temperature change, a crossing of T_c, a policy change, a host action. */
export type MarkerKind = (typeof MARKER_KINDS)[number];

/** The recorder's side of a session: every broadcast event (the same payloads, in order), and markers. */
export interface HubRecorder {
  record(type: BroadcastEvent, payload: unknown): void;
  marker(kind: MarkerKind, label: string): void;
}

export const fail = <T>(code: ErrorCode, message: string): HubResult<T> => ({ ok: false, code, message });
export const success = <T>(value: T): HubResult<T> => ({ ok: true, value });
