/**
 * Joins a session engine to its Socket.IO room: every connection gets a `welcome` with a full
 * snapshot, frames are broadcast volatile (a slow client drops frames rather than buffering
 * them), temperature changes are broadcast reliably, and `setTemperature` commands are
 * validated, then forwarded to the engine. No physics here: the engine converts T to K.
 */
import { PROTOCOL_VERSION } from '../../shared/protocol/version.js';
import { sessionRoom, type FramePayload, type SessionSettings, type TemperaturePayload } from '../../shared/protocol/events.js';
import { EngineUnavailableError, type SessionEngine } from '../engine/session-engine.js';
import { CommandError, onCommand, rejectUnknownEvents, type LiveSocket } from './client-commands.js';
import type { LiveServer } from './socket-server.js';

export interface LiveSessionOptions {
  sessionId: string;
  settings: SessionSettings;
}

/** Attaches `engine` to `io`; returns a function that detaches it. */
export function attachLiveSession(io: LiveServer, engine: SessionEngine, options: LiveSessionOptions): () => void {
  const room = sessionRoom(options.sessionId);

  const onConnection = (socket: LiveSocket): void => {
    rejectUnknownEvents(socket);
    onCommand(socket, 'setTemperature', async ({ temperature }) => {
      try {
        const applied = await engine.setTemperature(temperature, socket.id);
        return { ok: true, temperature: applied.temperature, coupling: applied.coupling };
      } catch (error) {
        if (error instanceof EngineUnavailableError) throw new CommandError('engine-unavailable', error.message);
        throw error;
      }
    });
    void socket.join(room);
    socket.emit('welcome', {
      protocolVersion: PROTOCOL_VERSION,
      sessionId: options.sessionId,
      clientId: socket.id,
      settings: options.settings,
      temperature: engine.temperature,
      snapshot: engine.latestFrame,
    });
  };
  const onFrame = (frame: FramePayload): void => {
    io.to(room).volatile.emit('frame', frame);
  };
  const onTemperature = (temperature: TemperaturePayload): void => {
    io.to(room).emit('temperature', temperature);
  };

  io.on('connection', onConnection);
  engine.on('frame', onFrame);
  engine.on('temperature', onTemperature);
  return () => {
    io.off('connection', onConnection);
    engine.off('frame', onFrame);
    engine.off('temperature', onTemperature);
  };
}
