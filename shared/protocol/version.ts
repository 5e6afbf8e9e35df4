/**
 * The protocol version both sides compare on `welcome`. Bump it on any incompatible change
 * to an event name, a payload shape or a codec (docs/protocol.md lists the history).
 */

/** Current wire protocol version; a client that expects another one must reload. */
export const PROTOCOL_VERSION = 1;
