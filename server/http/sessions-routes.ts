/**
 * REST for sessions, mounted at /api/sessions:
 *   GET  /   → 200 { sessions: SessionSummary[] } (public facts, never a token)
 *   POST /   → 201 { id, code, name, hostToken } (the host token is shown this once)
 * The POST body is parsed with createSessionSchema (strict, ≤ 4 kB) and rate-limited per client
 * address. Every error is `{ error: { code, message } }` with a matching HTTP status.
 */
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import type { ErrorCode } from '../../shared/protocol/errors.js';
import type { CreateSessionResponse, RestErrorBody, SessionListResponse, SessionSummary } from '../../shared/protocol/events.js';
import { createSessionSchema } from '../../shared/protocol/schemas.js';
import { describeIssues } from '../realtime/client-commands.js';
import { KeyedRateLimiter, type BucketConfig } from '../sessions/rate-limit.js';
import { TooManySessionsError, type SessionRegistry } from '../sessions/session-registry.js';

export interface SessionsRoutesOptions {
  /** Session creations per client address (default: bursts of 3, then one every 20 s). */
  createLimit?: BucketConfig;
}

/** Largest request body, bytes. */
export const MAX_BODY_BYTES = 4096;

const STATUS: Partial<Record<ErrorCode, number>> = {
  'invalid-payload': 400,
  'unauthorized': 401,
  'forbidden': 403,
  'not-found': 404,
  'payload-too-large': 413,
  'rate-limited': 429,
  'too-many-sessions': 503,
  'engine-unavailable': 503,
};

/** Sends the JSON error body with the status of `code`. */
export function sendError(res: Response, code: ErrorCode, message: string): void {
  const body: RestErrorBody = { error: { code, message } };
  res.status(STATUS[code] ?? 500).json(body);
}

/**
 * `/api/sessions` over `registry` (where POST starts sessions). `listSessions` replaces the
 * listing (with --redis: every node's sessions); default: this registry's.
 */
export function sessionsRoutes(registry: SessionRegistry, options: SessionsRoutesOptions = {}, listSessions?: () => Promise<SessionSummary[]>): Router {
  const router = express.Router();
  const createLimiter = new KeyedRateLimiter(options.createLimit ?? { perSecond: 1 / 20, burst: 3 }, () => performance.now());

  router.get('/', (_req, res) => {
    if (!listSessions) {
      const body: SessionListResponse = { sessions: registry.list().map((hub) => hub.summary()) };
      res.json(body);
      return;
    }
    listSessions().then(
      (sessions) => res.json({ sessions } satisfies SessionListResponse),
      () => sendError(res, 'engine-unavailable', 'the session list cannot be read just now; try again'),
    );
  });

  const limitCreation = (req: Request, res: Response, next: () => void): void => {
    if (createLimiter.allow(req.socket.remoteAddress ?? 'unknown')) {
      next();
      return;
    }
    res.setHeader('Retry-After', '20');
    sendError(res, 'rate-limited', 'too many sessions created from this address; try again shortly');
  };

  router.post('/', limitCreation, express.json({ limit: MAX_BODY_BYTES, strict: false, type: () => true }), (req: Request, res: Response) => {
    const parsed = createSessionSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      sendError(res, 'invalid-payload', describeIssues(parsed.error));
      return;
    }
    registry.create(parsed.data).then(
      ({ session, code, hostToken }) => {
        const body: CreateSessionResponse = { id: session.id, code, name: session.name, hostToken };
        res.status(201).json(body);
      },
      (error: unknown) => {
        if (error instanceof TooManySessionsError) sendError(res, 'too-many-sessions', error.message);
        else if (error instanceof RangeError) sendError(res, 'invalid-payload', error.message);
        else sendError(res, 'internal-error', 'the session could not be started');
      },
    );
  });

  router.all('/', (_req, res) => {
    res.setHeader('Allow', 'GET, POST');
    sendError(res, 'not-found', 'use GET or POST on /api/sessions');
  });

  const onError: ErrorRequestHandler = (error: { type?: string; status?: number }, _req, res, _next) => {
    if (error.type === 'entity.too.large') sendError(res, 'payload-too-large', `the body must be at most ${MAX_BODY_BYTES} bytes`);
    else if (error.status !== undefined && error.status >= 400 && error.status < 500) sendError(res, 'invalid-payload', 'the body must be JSON');
    else sendError(res, 'internal-error', 'the request failed');
  };
  router.use(onError);
  return router;
}
