/**
 * The slice of better-sqlite3's API the store uses, typed here because the package ships no
 * declarations (and @types/better-sqlite3 is not a dependency). The module is CommonJS and is
 * loaded through createRequire, so this file compiles whether or not those types exist.
 *
 * better-sqlite3 is synchronous: every call runs on the calling thread and returns when SQLite
 * has finished. BLOBs come back as Buffers; a BLOB parameter must be a Buffer.
 */
import { createRequire } from 'node:module';

/** Result of a write statement. */
export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** A prepared statement; parameters are positional (`?`) or named (`@name`, one object). */
export interface Statement<Row = unknown> {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
}

/** An open connection. */
export interface SqliteDatabase {
  prepare<Row = unknown>(sql: string): Statement<Row>;
  exec(sql: string): SqliteDatabase;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** Wraps fn in BEGIN … COMMIT (ROLLBACK when it throws); nests as savepoints. */
  transaction<F extends (...args: never[]) => unknown>(fn: F): F;
  close(): SqliteDatabase;
  readonly open: boolean;
  readonly inTransaction: boolean;
  readonly memory: boolean;
  readonly name: string;
}

/** Constructor options of better-sqlite3. */
export interface SqliteOpenOptions {
  readonly?: boolean;
  fileMustExist?: boolean;
  /** Busy timeout in ms (better-sqlite3's default is 5000). */
  timeout?: number;
}

type SqliteConstructor = new (path: string, options?: SqliteOpenOptions) => SqliteDatabase;

const require = createRequire(import.meta.url);

/** Opens (creating if needed) the SQLite file at path, or a private in-memory database for ':memory:'. */
export function openSqlite(path: string, options?: SqliteOpenOptions): SqliteDatabase {
  const Database = require('better-sqlite3') as SqliteConstructor;
  return new Database(path, options);
}
