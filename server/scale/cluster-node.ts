/**
 * One node of a cluster (`rgflow serve --redis`): "each session's engine runs on exactly one
 * node". Sessions are the shared data file's (every node opens the same SQLite file, so a
 * checkpoint written by one node is there for the next); leases in Redis say which node runs
 * each (scale/session-lease.ts). Every tick (1 s) the node
 *   1. renews the lease of every session it runs and republishes its directory entry — or, if
 *      another node now holds the lease, hands the session over (stops its engine, keeps its
 *      participants connected);
 *   2. takes over any session whose lease has been missing for `takeoverGraceMs` (its node
 *      died or shut down): restores it from its last checkpoint and continues its recording,
 *      then tells every node to re-admit its connections (`cluster:resync` → a fresh `welcome`);
 *   3. every few ticks, reconciles each session's participants with the sockets still connected
 *      anywhere (a node that died took its sockets with it).
 * While Redis is down, nothing is taken over or handed over: each node keeps running what it
 * runs, and renews when Redis is back. The grace period lets a running owner renew first after a
 * Redis restart (which loses every lease), so sessions do not move needlessly.
 */
import { randomBytes } from 'node:crypto';
import { sessionRoom } from '../../shared/protocol/events.js';
import type { SavedSession } from '../sessions/hub-types.js';
import type { SessionHub } from '../sessions/session-hub.js';
import type { SessionPort } from '../sessions/session-port.js';
import { DEFAULT_SESSION_ID, type SessionRegistry } from '../sessions/session-registry.js';
import { welcomeSocket, type SessionResolver } from '../realtime/session-gateway.js';
import type { LiveSocket } from '../realtime/client-commands.js';
import type { LiveServer } from '../realtime/socket-server.js';
import { ClusterDirectory, type DirectoryEntry } from './cluster-directory.js';
import { serveClusterCalls } from './cluster-rpc.js';
import type { RedisClient } from './redis-adapter.js';
import { ClusterSession } from './remote-session.js';
import { SessionLease } from './session-lease.js';

/** A session start refused because another node runs it. */
export class LeaseHeldError extends Error {
  override readonly name = 'LeaseHeldError';
}

export interface ClusterNodeOptions {
  /** Connection for leases and the directory (not the adapter's, which blocks on reads). */
  redis: RedisClient;
  /** A saved session to take over (from the shared data file), with its latest checkpoint; null when unknown. */
  loadSaved: (sessionId: string) => { session: SavedSession; checkpoint: Uint8Array | null } | null;
  /** Ids of the sessions saved in the shared data file (candidates for a takeover). */
  savedIds: () => string[];
  nodeId?: string;
  tickMs?: number;
  leaseTtlMs?: number;
  /** How long a lease must stay missing before this node takes the session over, ms. */
  takeoverGraceMs?: number;
  log?: (line: string) => void;
}

const RECONCILE_EVERY_TICKS = 5;
const RESYNC_ATTEMPTS = 20;
const RESYNC_RETRY_MS = 500;

export class ClusterNode {
  readonly nodeId: string;
  private readonly directory: ClusterDirectory;
  private readonly leases = new Map<string, SessionLease>();
  private readonly missingSince = new Map<string, number>();
  private readonly ports = new Map<string, ClusterSession>();
  private registry: SessionRegistry | null = null;
  private ioServer: LiveServer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private ticks = 0;
  private stopped = false;
  private readonly log: (line: string) => void;
  private readonly tickMs: number;
  private readonly leaseTtlMs: number;
  private readonly graceMs: number;

  constructor(private readonly options: ClusterNodeOptions) {
    this.nodeId = options.nodeId ?? `node-${randomBytes(6).toString('hex')}`;
    this.directory = new ClusterDirectory(options.redis);
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.tickMs = options.tickMs ?? 1000;
    this.leaseTtlMs = options.leaseTtlMs ?? 5000;
    this.graceMs = options.takeoverGraceMs ?? 3000;
  }

  /** `SessionRegistry({ beforeStart })`: takes the session's lease or refuses to start it. */
  readonly beforeStart = async (sessionId: string): Promise<void> => {
    const lease = this.leaseFor(sessionId);
    if (!(await lease.tryAcquire())) {
      const holder = await lease.holder();
      throw new LeaseHeldError(`session ${sessionId} runs on ${holder ?? 'another node'}`);
    }
  };

  /** Attaches to the app's registry and Socket.IO server: serves forwarded commands and resync requests. Call once, before `start`. */
  attach(registry: SessionRegistry, io: LiveServer): void {
    this.registry = registry;
    this.ioServer = io;
    serveClusterCalls(io, registry, this.log);
    io.on('cluster:resync', (sessionId: string) => {
      if (typeof sessionId === 'string') void this.resyncLocal(sessionId);
    });
  }

  /** Finds sessions anywhere in the cluster, for the gateway. */
  resolver(): SessionResolver {
    return {
      find: async ({ sessionCode, sessionId }) => {
        const registry = this.requireRegistry();
        const local = sessionCode !== undefined ? registry.getByCode(sessionCode) : registry.get(sessionId ?? DEFAULT_SESSION_ID);
        if (local) return this.portFor(local.id, local.describe().hostTokenHash);
        const entry = sessionCode !== undefined ? await this.directory.findByCode(sessionCode) : await this.directory.get(sessionId ?? DEFAULT_SESSION_ID);
        return entry ? this.portFor(entry.id, entry.hostTokenHash) : null;
      },
      get: async (id) => {
        const local = this.requireRegistry().get(id);
        if (local) return this.portFor(id, local.describe().hostTokenHash);
        const entry = await this.directory.get(id);
        return entry ? this.portFor(id, entry.hostTokenHash) : null;
      },
    };
  }

  /** Every session of the cluster, as `GET /api/sessions` lists them. */
  async listSummaries() {
    const registry = this.requireRegistry();
    const remote = (await this.directory.list()).filter((entry) => !registry.get(entry.id)).map((entry) => entry.summary);
    return [...registry.list().map((hub) => hub.summary()), ...remote].sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The default session's join code, wherever it runs (null when no node runs it yet). */
  async defaultCode(): Promise<string | null> {
    return this.requireRegistry().defaultSession?.code ?? (await this.directory.get(DEFAULT_SESSION_ID).catch(() => null))?.code ?? null;
  }

  /** Starts the ticks (after the registry started what it could). */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    void this.tick();
  }

  /**
   * Stops ticking and gives up this node's leases (after the final checkpoints, before the
   * sessions close), so another node takes them over after the grace period rather than the TTL.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const registry = this.registry;
    await Promise.all(
      [...this.leases.values()]
        .filter((lease) => registry?.get(lease.sessionId))
        .map((lease) => lease.release().catch(() => undefined)),
    );
  }

  /** A session ended for good on this node: forget its lease and directory entry. */
  async forget(sessionId: string): Promise<void> {
    const lease = this.leases.get(sessionId);
    this.leases.delete(sessionId);
    this.ports.delete(sessionId);
    await Promise.all([lease?.release(), this.directory.remove(sessionId)].map((p) => Promise.resolve(p).catch(() => undefined)));
  }

  /** One round of renewals, takeovers and reconciliation; never throws. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped || !this.registry) return;
    this.ticking = true;
    try {
      await this.renewOwned();
      await this.takeOverOrphans();
      if (++this.ticks % RECONCILE_EVERY_TICKS === 0) await this.reconcilePresence();
    } catch (error) {
      // Redis is down or slow: keep running what runs here; the next tick tries again.
      if (this.ticks % 10 === 1) this.log(`rgflow: cluster tick failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.ticking = false;
    }
  }

  private async renewOwned(): Promise<void> {
    const registry = this.requireRegistry();
    for (const hub of registry.list()) {
      const lease = this.leaseFor(hub.id);
      const held = await lease.tryAcquire();
      if (this.stopped) return;
      if (!held) {
        const holder = await lease.holder();
        this.log(`rgflow: session ${hub.code} is now run by ${holder ?? 'another node'}; handing it over`);
        await registry.close(hub.id, 'handed-over');
        continue;
      }
      this.missingSince.delete(hub.id);
      await this.directory.publish(this.entryOf(hub));
    }
  }

  private async takeOverOrphans(): Promise<void> {
    const registry = this.requireRegistry();
    const now = Date.now();
    const candidates = new Set<string>(this.options.savedIds());
    for (const entry of await this.directory.list()) candidates.add(entry.id);
    for (const id of candidates) {
      if (registry.get(id) || this.stopped) continue;
      const holder = await this.leaseFor(id).holder();
      if (holder !== null) {
        this.missingSince.delete(id);
        continue;
      }
      const since = this.missingSince.get(id) ?? now;
      this.missingSince.set(id, since);
      if (now - since < this.graceMs) continue;
      const saved = this.options.loadSaved(id);
      if (!saved) {
        // Listed but not saved anywhere (it ended): drop the stale entry.
        await this.directory.remove(id);
        this.missingSince.delete(id);
        continue;
      }
      try {
        const { session } = await registry.restore(saved.session, saved.checkpoint);
        this.missingSince.delete(id);
        this.log(`rgflow: took over session ${session.code} (${session.name}) from its last checkpoint`);
        await this.directory.publish(this.entryOf(session));
        this.io.serverSideEmit('cluster:resync', id);
        await this.resyncLocal(id);
      } catch (error) {
        if (!(error instanceof LeaseHeldError)) this.log(`rgflow: could not take over session ${id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /**
   * Redis came back after an outage: broadcasts between nodes were lost meanwhile, so every
   * connection of this node to a session run elsewhere gets a fresh `welcome`.
   */
  async redisRecovered(): Promise<void> {
    if (this.stopped || !this.registry) return;
    this.log('rgflow: redis is back; resyncing the connections to sessions on other nodes');
    await this.tick();
    const registry = this.registry;
    const remote = this.sessionsWithLocalSockets().filter((id) => !registry.get(id));
    await Promise.all(remote.map((id) => this.resyncLocal(id)));
  }

  /** Ids of the sessions this node has connections to (from the rooms `session:<id>`). */
  private sessionsWithLocalSockets(): string[] {
    const ids: string[] = [];
    for (const [room, members] of this.io.sockets.adapter.rooms) {
      const match = /^session:([^:]+)$/.exec(room);
      if (match && members.size > 0) ids.push(match[1]!);
    }
    return ids;
  }

  /**
   * Re-admits this node's connections of session `sessionId` (it moved, or Redis was down): each
   * gets a fresh `welcome`. While the session's node cannot be reached yet (its directory entry
   * or the adapter are still catching up after a Redis restart) it tries again, for up to
   * `RESYNC_ATTEMPTS` × `RESYNC_RETRY_MS`; a connection the session refuses is told why and closed.
   */
  private async resyncLocal(sessionId: string): Promise<void> {
    let pending = new Set<string>(this.io.sockets.adapter.rooms.get(sessionRoom(sessionId)) ?? []);
    for (let attempt = 0; attempt < RESYNC_ATTEMPTS && pending.size > 0 && !this.stopped; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RESYNC_RETRY_MS));
      const port = await Promise.resolve()
        .then(() => this.resolver().get(sessionId))
        .catch(() => null);
      if (!port) continue;
      const retry = new Set<string>();
      await Promise.all(
        [...pending].map(async (socketId) => {
          const socket = this.io.sockets.sockets.get(socketId) as LiveSocket | undefined;
          if (!socket?.connected) return;
          const refused = await welcomeSocket(socket, port);
          if (!refused) return;
          if (refused.code === 'engine-unavailable') {
            retry.add(socketId);
            return;
          }
          socket.emit('error', { code: refused.code, message: refused.message, event: null });
          socket.disconnect(true);
        }),
      );
      pending = retry;
    }
  }

  /** Marks as dropped (recoverable) the participants of this node's sessions whose socket is gone from every node. */
  private async reconcilePresence(): Promise<void> {
    const io = this.io;
    for (const hub of this.requireRegistry().list()) {
      const live = new Set((await io.in(sessionRoom(hub.id)).fetchSockets()).map((socket) => socket.id));
      for (const id of hub.connectedParticipantIds()) if (!live.has(id)) hub.disconnect(id, true);
    }
  }

  private portFor(id: string, hostTokenHash: string): SessionPort {
    let port = this.ports.get(id);
    if (!port || !port.isHostTokenHash(hostTokenHash)) {
      port = new ClusterSession(id, hostTokenHash, this.io, this.requireRegistry());
      this.ports.set(id, port);
    }
    return port;
  }

  private entryOf(hub: SessionHub): DirectoryEntry {
    const saved = hub.describe();
    return { id: hub.id, code: hub.code, name: hub.name, hostTokenHash: saved.hostTokenHash, owner: this.nodeId, summary: hub.summary(), updatedAt: Date.now() };
  }

  private leaseFor(sessionId: string): SessionLease {
    let lease = this.leases.get(sessionId);
    if (!lease) {
      lease = new SessionLease(this.options.redis, sessionId, this.nodeId, { ttlMs: this.leaseTtlMs });
      this.leases.set(sessionId, lease);
    }
    return lease;
  }

  private get io(): LiveServer {
    if (!this.ioServer) throw new Error('ClusterNode.attach(registry, io) was not called');
    return this.ioServer;
  }

  private requireRegistry(): SessionRegistry {
    if (!this.registry) throw new Error('ClusterNode.attach(registry) was not called');
    return this.registry;
  }
}
