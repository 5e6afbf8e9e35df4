/**
 * The connection status badge in the page header.
 */
import type { ConnectionState } from '../net/connection.js';

/** Shows `detail` in `badge`, coloured by state. */
export function showConnectionState(badge: HTMLElement, state: ConnectionState, detail: string): void {
  badge.textContent = detail;
  badge.classList.toggle('live', state === 'live');
  badge.classList.toggle('down', state === 'reconnecting');
}
