/**
 * The protocol version both sides compare on `welcome`. Bump it on any incompatible change
 * to an event name, a payload shape or a codec (docs/protocol.md lists the history).
 * 2: sessions, roles and join codes; MessagePack on the wire; proposeTemperature replaces setTemperature.
 */

/** Current wire protocol version; a client that expects another one must reload. */
export const PROTOCOL_VERSION = 2;
