/**
 * The commands in flight between a SessionEngine and its worker: each gets a requestId and is
 * settled by the worker's answer with the same id, or rejected when the worker goes away.
 * Also the two errors a command can end with.
 */
import type { WorkerToMainMessage } from '../../shared/protocol/worker-messages.js';

/** Thrown (as a rejection) by a command when no worker is running to apply it. */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';
}

/** A command refused for an invalid value; nothing changed. */
export class EngineCommandError extends RangeError {
  override readonly name = 'EngineCommandError';
}

/** An answer that settles a request. */
export type EngineAnswer = Extract<WorkerToMainMessage, { requestId: number }>;

interface Pending {
  settle: (answer: EngineAnswer) => void;
  reject: (error: Error) => void;
}

export class PendingRequests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /**
   * Registers a request and returns its id and the promise of its result: `settle(answer)`,
   * or an EngineCommandError when the worker answers `rejected`.
   */
  open<T>(settle: (answer: EngineAnswer) => T): { requestId: number; result: Promise<T> } {
    const requestId = this.nextId++;
    const result = new Promise<T>((resolve, reject) => {
      this.pending.set(requestId, {
        settle: (answer) => {
          if (answer.type === 'rejected') reject(new EngineCommandError(answer.message));
          else resolve(settle(answer));
        },
        reject,
      });
    });
    return { requestId, result };
  }

  /** Settles the request the answer names (an answer to an unknown id is ignored). */
  answer(answer: EngineAnswer): void {
    const request = this.pending.get(answer.requestId);
    this.pending.delete(answer.requestId);
    request?.settle(answer);
  }

  /** Rejects every open request with EngineUnavailableError(reason). */
  rejectAll(reason: string): void {
    for (const request of this.pending.values()) request.reject(new EngineUnavailableError(reason));
    this.pending.clear();
  }
}
