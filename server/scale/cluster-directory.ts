/**
 * Which sessions the cluster runs and where (with --redis): one Redis hash, `rgflow:directory`,
 * session id → JSON { id, code, name, hostTokenHash, owner, summary, updatedAt }. The node that
 * runs a session rewrites its entry every tick (so a Redis restart heals within a tick) and
 * deletes it when the session ends for good; a node that died leaves its entries until another
 * node takes the sessions over. Any node reads it to admit a connection by join code and to list
 * sessions. Entries are checked field by field when read: a malformed one is skipped.
 */
import type { SessionSummary } from '../../shared/protocol/events.js';
import type { RedisClient } from './redis-adapter.js';

export const DIRECTORY_KEY = 'rgflow:directory';

export interface DirectoryEntry {
  id: string;
  code: string;
  name: string;
  /** SHA-256 (hex) of the host token. */
  hostTokenHash: string;
  /** Node id of the node running it. */
  owner: string;
  summary: SessionSummary;
  /** ms since the Unix epoch. */
  updatedAt: number;
}

function parseEntry(text: string): DirectoryEntry | null {
  try {
    const value = JSON.parse(text) as Partial<DirectoryEntry>;
    const strings = [value.id, value.code, value.name, value.hostTokenHash, value.owner];
    if (!strings.every((field) => typeof field === 'string') || typeof value.updatedAt !== 'number') return null;
    if (typeof value.summary !== 'object' || value.summary === null) return null;
    return value as DirectoryEntry;
  } catch {
    return null;
  }
}

export class ClusterDirectory {
  constructor(private readonly client: RedisClient) {}

  async publish(entry: DirectoryEntry): Promise<void> {
    await this.client.hSet(DIRECTORY_KEY, entry.id, JSON.stringify(entry));
  }

  async remove(id: string): Promise<void> {
    await this.client.hDel(DIRECTORY_KEY, id);
  }

  async list(): Promise<DirectoryEntry[]> {
    const all = await this.client.hGetAll(DIRECTORY_KEY);
    return Object.values(all)
      .map((text) => parseEntry(String(text)))
      .filter((entry): entry is DirectoryEntry => entry !== null)
      .sort((a, b) => a.summary.createdAt - b.summary.createdAt);
  }

  async get(id: string): Promise<DirectoryEntry | null> {
    const text = await this.client.hGet(DIRECTORY_KEY, id);
    return typeof text === 'string' ? parseEntry(text) : null;
  }

  async findByCode(code: string): Promise<DirectoryEntry | null> {
    return (await this.list()).find((entry) => entry.code === code) ?? null;
  }
}
