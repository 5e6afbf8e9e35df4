/**
 * Which browser origins may open a realtime connection. WebSockets bypass CORS, so the check
 * runs in Socket.IO's `allowRequest` on every handshake, polling and WebSocket alike
 * (OWASP ASVS V4.4).
 */

/**
 * True when a handshake may proceed:
 * - no `Origin` header: not a browser page (or a same-origin GET, which browsers send bare);
 * - an Origin whose host:port equals the request's `Host` header (the page this server served);
 * - an Origin on the allow-list (e.g. a Vite dev server, `http://localhost:5173`).
 * The opaque origin `null` (sandboxed frames, file:// pages) is refused.
 * @param origin    the request's Origin header
 * @param host      the request's Host header
 * @param allowList extra allowed origins, `scheme://host[:port]`
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, allowList: readonly string[]): boolean {
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (host !== undefined && parsed.host === host.toLowerCase()) return true;
  return allowList.some((allowed) => normalizeOrigin(allowed) === parsed.origin);
}

/** `scheme://host[:port]` of an allow-list entry, or null when it is not a URL. */
function normalizeOrigin(entry: string): string | null {
  try {
    return new URL(entry).origin;
  } catch {
    return null;
  }
}
