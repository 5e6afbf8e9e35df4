/**
 * Replay over a Socket.IO connection: at most one ReplayStream per connection, opened with
 * `openReplay`, driven by `replayControl`, delivering through `replay` events to that connection
 * only, closed on disconnect (docs/protocol.md, "Replay").
 */
import type { CommandFailure, OpenReplayAck, ReplayControlAck, ReplayPayload, ReplayStatusPayload } from '../../shared/protocol/events.js';
import type { ReplayControlPayload } from '../../shared/protocol/schemas.js';
import { ReplayStream, type ReplayOptions, type ReplaySource, type ReplayStatus } from './replay-stream.js';

/** What the replay needs from the store: `store.recordings`. */
export type SocketReplaySource = Omit<ReplaySource, 'get'> & { get(id: string): { id: string; name: string; durationMs: number; eventCount: number } | null };

export interface SocketReplay {
  open(recordingId: string): OpenReplayAck;
  control(command: ReplayControlPayload): ReplayControlAck;
  close(): void;
}

const notFound = (message: string): CommandFailure => ({ ok: false, code: 'not-found', message });

/** One connection's replay; `send` emits a `replay` event to that connection. */
export function createSocketReplay(source: SocketReplaySource | null, send: (payload: ReplayPayload) => void, options: ReplayOptions = {}): SocketReplay {
  let stream: ReplayStream | null = null;
  const statusOf = (recordingId: string, status: ReplayStatus): ReplayStatusPayload => ({ recordingId, ...status });
  const close = (): void => {
    stream?.close();
    stream = null;
  };
  return {
    open(recordingId) {
      if (source === null) return notFound('this server keeps no recordings');
      const meta = source.get(recordingId);
      if (meta === null) return notFound('no such recording');
      close();
      const opened: ReplayStream = new ReplayStream(
        source,
        recordingId,
        {
          snapshot: (snapshot, seq, tMs) => send({ kind: 'snapshot', recordingId, seq, tMs, snapshot }),
          event: (type, payload, seq, tMs) => send({ kind: 'event', recordingId, seq, tMs, type, payload }),
          status: (status) => send({ kind: 'status', recordingId, status: statusOf(recordingId, status) }),
          error: (error) => {
            if (stream === opened) stream = null;
            send({ kind: 'stopped', recordingId, message: error instanceof Error ? error.message : String(error) });
          },
        },
        options,
      );
      stream = opened;
      return {
        ok: true,
        recording: { id: meta.id, name: meta.name, durationMs: meta.durationMs, eventCount: meta.eventCount },
        status: statusOf(recordingId, opened.status),
      };
    },
    control(command) {
      if (command.action === 'close') {
        close();
        return { ok: true, status: null };
      }
      if (stream === null) return notFound('no replay is open on this connection; send openReplay first');
      if (command.action === 'play') stream.play();
      else if (command.action === 'pause') stream.pause();
      else if (command.action === 'seek') stream.seek(command.tMs);
      else stream.setSpeed(command.speed);
      return { ok: true, status: statusOf(stream.recordingId, stream.status) };
    },
    close,
  };
}
