/**
 * REST routes of recordings (docs/recording-format.md, "HTTP"): list, one recording's meta and
 * markers, export as one file, import that file, delete. Every id is validated before use;
 * every error answers `{ error: { code, message } }`. Who may delete is the caller's decision
 * (authorizeDelete: the hub checks the session's host token).
 */
import { pipeline } from 'node:stream';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { DEFAULT_IMPORT_LIMITS, RecordingImportError } from '../store/recording-file.js';
import { RecordingBusyError, type RecordingMeta, type Store } from '../store/session-store.js';

/** Recording and session ids: 1–64 letters, digits, `_` or `-`. */
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const listQuerySchema = z.object({ sessionId: idSchema.optional() });

export interface RecordingsRouterOptions {
  /** May this request delete this recording? (e.g. it carries the session's host token). */
  authorizeDelete: (req: Request, recording: RecordingMeta) => boolean | Promise<boolean>;
  /** Largest import upload, bytes (default: the store's import cap, 200 MiB). */
  maxImportBytes?: number;
  /** Where unexpected errors are reported (default: stderr). */
  log?: (line: string) => void;
}

type RecordingsStore = Pick<Store, 'recordings'>;

/** The routes under /api/recordings; mount with app.use(router). */
export function createRecordingsRouter(store: RecordingsStore, options: RecordingsRouterOptions): Router {
  const router = Router();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const maxImportBytes = options.maxImportBytes ?? DEFAULT_IMPORT_LIMITS.maxFileBytes;

  router.get('/api/recordings', (req, res) => {
    const query = listQuerySchema.safeParse(req.query);
    if (!query.success) return fail(res, 400, 'invalid-query', 'sessionId must be 1–64 letters, digits, _ or -');
    res.json({ recordings: store.recordings.list({ sessionId: query.data.sessionId }) });
  });

  router.post(
    '/api/recordings/import',
    express.raw({ type: () => true, limit: maxImportBytes, inflate: false }),
    async (req, res) => {
      const body: unknown = req.body;
      if (!Buffer.isBuffer(body) || body.byteLength === 0) return fail(res, 400, 'empty-body', 'send the export file as the request body');
      try {
        const id = await store.recordings.import(body);
        res.status(201).json({ recording: store.recordings.get(id) });
      } catch (error) {
        if (!(error instanceof RecordingImportError)) throw error;
        fail(res, error.code === 'too-large' ? 413 : 400, error.code, error.message);
      }
    },
  );

  router.get('/api/recordings/:id', (req, res) => {
    const recording = found(req, res, store);
    if (recording === null) return;
    res.json({ recording, markers: store.recordings.markers(recording.id) });
  });

  router.get('/api/recordings/:id/export', (req, res) => {
    const recording = found(req, res, store);
    if (recording === null) return;
    const stream = store.recordings.export(recording.id);
    if (stream === null) return fail(res, 404, 'not-found', 'no such recording');
    res.attachment(`rgflow-${slug(recording.name)}-${recording.id.slice(0, 8)}.rgrec`);
    res.type('application/octet-stream');
    pipeline(stream, res, (error) => {
      if (error && error.code !== 'ERR_STREAM_PREMATURE_CLOSE') log(`export of recording ${recording.id} failed: ${error.message}`);
    });
  });

  router.delete('/api/recordings/:id', async (req, res) => {
    const recording = found(req, res, store);
    if (recording === null) return;
    if (!(await options.authorizeDelete(req, recording))) return fail(res, 403, 'forbidden', 'only the session host may delete its recordings');
    try {
      if (!store.recordings.delete(recording.id)) return fail(res, 404, 'not-found', 'no such recording');
    } catch (error) {
      if (!(error instanceof RecordingBusyError)) throw error;
      return fail(res, 409, 'recording-busy', error.message);
    }
    res.status(204).end();
  });

  router.use('/api/recordings', (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const e = error as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.too.large') return fail(res, 413, 'too-large', `the upload is over ${maxImportBytes} bytes`);
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return fail(res, e.status, 'bad-request', e.message ?? 'bad request');
    log(`recordings route failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    fail(res, 500, 'internal-error', 'the server failed while handling the request');
  });

  return router;
}

/** The recording named by req.params.id, or null after answering 400 / 404. */
function found(req: Request, res: Response, store: RecordingsStore): RecordingMeta | null {
  const id = idSchema.safeParse(req.params.id);
  if (!id.success) {
    fail(res, 400, 'invalid-id', 'a recording id is 1–64 letters, digits, _ or -');
    return null;
  }
  const recording = store.recordings.get(id.data);
  if (recording === null) fail(res, 404, 'not-found', 'no such recording');
  return recording;
}

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'recording';
}
