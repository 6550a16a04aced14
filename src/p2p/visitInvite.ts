// A visit invite: what a doctor's browser needs to reach the patient's, carried in a link's
// fragment (never sent to a server) or a QR code. It is valid for minutes and once only:
// the patient's browser keeps the token and refuses it when late or seen before. In the link it
// is a few bytes, base64url, so that the QR code stays coarse enough for a phone to read from a
// screen: the patient's device is named once, and each relay only by its own address (the
// circuit through it to the patient's device is rebuilt on reading).
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { CODE_P2P, CODE_P2P_CIRCUIT, CODE_WEBRTC, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { bytesToHex, getAddress, hexToBytes } from 'viem'
import { AnamnesisError } from '../errors/index.ts'

/** A visit invite as the patient's browser issues it and the doctor's reads it from the link. */
export interface VisitInvite {
  /** The invite format's version: the first byte of its binary form. */
  v: typeof INVITE_VERSION
  /** The patient's dialable addresses through a relay: `<relay>/p2p-circuit/webrtc/p2p/<patient peer>`, one patient peer in all. */
  addresses: string[]
  /** The patient's wallet address, checksummed. */
  patient: string
  /** The chain the patient's grants live on, so the doctor's app checks it is on the same one. */
  chainId: number
  /** One-time token, 16 random bytes as hex. */
  token: string
  /** Unix seconds after which the patient refuses the invite. */
  expires: number
}

/** Why an invite is refused: damaged or not reachable (`INVITE_MALFORMED`), too late, already used, or not issued here. */
export type VisitInviteErrorCode = 'INVITE_MALFORMED' | 'INVITE_EXPIRED' | 'INVITE_USED' | 'INVITE_UNKNOWN'

/** A visit invite that cannot be made, read or redeemed; its message tells the patient or doctor what to do. */
export class VisitInviteError extends AnamnesisError<VisitInviteErrorCode> {
  override name = 'VisitInviteError'
}

/** How long an invite is good for, unless the patient says otherwise. */
export const DEFAULT_INVITE_SECONDS = 10 * 60

/**
 * The binary form's version. Version 2 is, in order: this byte; the patient's address (20 bytes);
 * the chain id (unsigned LEB128); the token (16 bytes); the expiry in Unix seconds (unsigned
 * LEB128); the patient's peer id as a multihash (a length byte, then its bytes); the number of
 * relays (one byte), and for each a length byte and the relay's multiaddr bytes, ending in its
 * `/p2p/<relay>`. Nothing may follow. (Version 1 was JSON, and never left a development machine.)
 */
const INVITE_VERSION = 2
const TOKEN_BYTES = 16
/** The multihash code of SHA-256, with which an RSA key's peer id is made. */
const SHA2_256 = 0x12
const MAX_PEER_ID_BYTES = 64
const MAX_RELAYS = 8
const MAX_RELAY_BYTES = 200
/** Longer than any invite this app writes (8 relays of the longest address): a longer one is refused unread. */
const MAX_ENCODED_LENGTH = Math.ceil(((1 + 20 + 8 + TOKEN_BYTES + 8 + 1 + MAX_PEER_ID_BYTES + 1 + MAX_RELAYS * (1 + MAX_RELAY_BYTES)) * 4) / 3)

function malformed(what: string): never {
  throw new VisitInviteError('INVITE_MALFORMED', `This visit link is damaged (${what}). Ask the patient to show a new one.`)
}

function randomToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** A circuit address's two parts: the relay's own address (ending in its `/p2p/`) and the peer reached through it; undefined for any other address. */
function splitCircuitAddress(address: string): { relay: Multiaddr; peer: string } | undefined {
  try {
    const components = multiaddr(address).getComponents()
    const circuit = components.findIndex((c) => c.code === CODE_P2P_CIRCUIT)
    const [webrtc, peer, ...rest] = components.slice(circuit + 1)
    const relay = components.slice(0, Math.max(circuit, 0))
    const relayPeer = relay.at(-1)
    if (circuit < 1 || relayPeer?.code !== CODE_P2P || webrtc?.code !== CODE_WEBRTC || peer?.code !== CODE_P2P || rest.length > 0) return undefined
    // Both peer ids must be ones libp2p can dial.
    peerIdFromString(relayPeer.value ?? '')
    return { relay: multiaddr(relay), peer: peerIdFromString(peer.value ?? '').toString() }
  } catch {
    return undefined
  }
}

/** The patient's device from its multihash bytes: an identity multihash of a key, or the 32-byte SHA-256 of an RSA key. */
function peerFromBytes(bytes: Uint8Array): string | undefined {
  try {
    const digest = Digest.decode(bytes)
    if (digest.code === SHA2_256 && digest.digest.length !== 32) return undefined
    return peerIdFromMultihash(digest).toString()
  } catch {
    return undefined
  }
}

const circuitAddress = (relay: Multiaddr, peer: string): string => `${relay.toString()}/p2p-circuit/webrtc/p2p/${peer}`

/** The relays and the one patient peer (its multihash) of an invite's addresses, or undefined when one is not such a circuit address. */
function circuitsOf(addresses: readonly string[]): { relays: Multiaddr[]; peer: Uint8Array } | undefined {
  const split = addresses.map(splitCircuitAddress)
  const peer = split[0]?.peer
  if (peer === undefined || split.some((s) => s === undefined || s.peer !== peer)) return undefined
  try {
    return { relays: split.flatMap((s) => (s === undefined ? [] : [s.relay])), peer: peerIdFromString(peer).toMultihash().bytes }
  } catch {
    return undefined
  }
}

/** Whether an invite's addresses fit its binary form: circuit addresses to one device, through at most 8 relays of short enough addresses. */
function fitsInvite(circuits: ReturnType<typeof circuitsOf>): circuits is { relays: Multiaddr[]; peer: Uint8Array } {
  return circuits !== undefined && circuits.peer.length <= MAX_PEER_ID_BYTES && circuits.relays.length <= MAX_RELAYS && circuits.relays.every((relay) => relay.bytes.length <= MAX_RELAY_BYTES)
}

/**
 * A new invite with a fresh random token, for the patient's browser to issue in its InviteBook:
 * `addresses` are this device's circuit addresses through the relays
 * (`<relay>/p2p/<relay peer>/p2p-circuit/webrtc/p2p/<this device>`), `patient` the patient's
 * wallet address, `chainId` the chain the grants live on; it expires `seconds` (default
 * DEFAULT_INVITE_SECONDS) after `now` (Unix milliseconds, default now).
 * @throws {VisitInviteError} `INVITE_MALFORMED` when there is no address yet (no relay
 *   reservation), or when one is not a circuit address to this device, or is too long for an invite.
 */
export function createVisitInvite({ addresses, patient, chainId, now = Date.now(), seconds = DEFAULT_INVITE_SECONDS }: {
  addresses: string[]
  patient: string
  chainId: number
  now?: number
  seconds?: number
}): VisitInvite {
  if (addresses.length === 0) throw new VisitInviteError('INVITE_MALFORMED', 'This device is not reachable yet: wait until the status strip shows the relay reserved, then start the visit again.')
  if (!fitsInvite(circuitsOf(addresses))) {
    throw new VisitInviteError('INVITE_MALFORMED', `This device's addresses (${addresses.join(', ')}) are not addresses through a relay that an invite can carry.`)
  }
  return { v: INVITE_VERSION, addresses, patient: getAddress(patient), chainId, token: randomToken(), expires: Math.floor(now / 1000) + seconds }
}

const toBase64Url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

/** Bytes of a base64url text: undefined for any other text, padded or not canonical (so one invite has one spelling). */
function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined
  const bytes = Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
  return toBase64Url(bytes) === text ? bytes : undefined
}

/** Unsigned LEB128 of a safe integer: the shortest form, as the reader requires. */
function writeVarint(out: number[], value: number): void {
  let rest = value
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  out.push(rest)
}

/** Reads an invite's bytes in order; every read that runs past the end, or finds a field out of form, says which field. */
class InviteReader {
  #at = 0
  readonly bytes: Uint8Array
  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }

  take(length: number, what: string): Uint8Array {
    if (this.#at + length > this.bytes.length) malformed(`it is cut short at ${what}`)
    const taken = this.bytes.subarray(this.#at, this.#at + length)
    this.#at += length
    return taken
  }

  byte(what: string): number {
    return this.take(1, what)[0] ?? malformed(`it is cut short at ${what}`)
  }

  /** A positive safe integer in its shortest unsigned LEB128 form. */
  varint(what: string): number {
    let value = 0
    for (let shift = 0; shift < 56; shift += 7) {
      const byte = this.byte(what)
      value += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) {
        if ((byte === 0 && shift > 0) || value === 0 || !Number.isSafeInteger(value)) malformed(what)
        return value
      }
    }
    return malformed(what)
  }

  end(): void {
    if (this.#at !== this.bytes.length) malformed('it has bytes after its end')
  }
}

/**
 * The invite as one URL-safe string (base64url of its binary form, version 2), for a link fragment or a QR code.
 * @throws {VisitInviteError} `INVITE_MALFORMED` for an invite createVisitInvite would not make.
 */
export function encodeVisitInvite(invite: VisitInvite): string {
  const circuits = circuitsOf(invite.addresses)
  if (!fitsInvite(circuits) || !/^[0-9a-f]{32}$/.test(invite.token) || !Number.isSafeInteger(invite.chainId) || invite.chainId <= 0 || !Number.isSafeInteger(invite.expires) || invite.expires <= 0) {
    malformed('it cannot be written')
  }
  const { relays, peer } = circuits
  const out: number[] = [INVITE_VERSION, ...hexToBytes(getAddress(invite.patient))]
  writeVarint(out, invite.chainId)
  out.push(...hexToBytes(`0x${invite.token}`))
  writeVarint(out, invite.expires)
  out.push(peer.length, ...peer, relays.length)
  for (const relay of relays) out.push(relay.bytes.length, ...relay.bytes)
  return toBase64Url(Uint8Array.from(out))
}

/**
 * Reads an invite from a link. Checks the form, not the expiry: base64url of version 2 (see
 * INVITE_VERSION), a non-zero patient address, a positive chain id and expiry in their shortest
 * form, the patient's peer id, 1 to 8 relay addresses each ending in the relay's `/p2p/`, and
 * nothing after. Which relays they are is checked by invitesThroughRelays.
 * @throws {VisitInviteError} `INVITE_MALFORMED`, saying what is wrong, and nothing else.
 */
export function decodeVisitInvite(encoded: string): VisitInvite {
  const text = encoded.trim()
  if (text.length > MAX_ENCODED_LENGTH) malformed('it is longer than any invite')
  const bytes = fromBase64Url(text)
  if (bytes === undefined || bytes.length === 0) malformed('it is not an invite')
  const reader = new InviteReader(bytes)
  const version = reader.byte('its version')
  if (version !== INVITE_VERSION) malformed(`it is of invite version ${version}, which this app does not read: it may come from another version of the app`)
  const patientBytes = reader.take(20, "the patient's address")
  if (patientBytes.every((b) => b === 0)) malformed("the patient's address")
  const patient = getAddress(bytesToHex(patientBytes))
  const chainId = reader.varint('the chain')
  const token = bytesToHex(reader.take(TOKEN_BYTES, 'the token')).slice(2)
  const expires = reader.varint('the expiry')
  const peerLength = reader.byte("the patient's device")
  if (peerLength === 0 || peerLength > MAX_PEER_ID_BYTES) malformed("the patient's device")
  const peer = peerFromBytes(reader.take(peerLength, "the patient's device")) ?? malformed("the patient's device")
  const relayCount = reader.byte('the relays')
  if (relayCount === 0 || relayCount > MAX_RELAYS) malformed('no address to reach the patient')
  const addresses: string[] = []
  for (let i = 0; i < relayCount; i++) {
    const length = reader.byte('a relay address')
    if (length === 0 || length > MAX_RELAY_BYTES) malformed('a relay address')
    const relayBytes = reader.take(length, 'a relay address')
    let address: string
    try {
      address = circuitAddress(multiaddr(relayBytes), peer)
    } catch {
      malformed('a relay address')
    }
    // A relay ends in its own peer id and holds no circuit, and its bytes are the ones its text gives back.
    const split = splitCircuitAddress(address)
    if (split === undefined || bytesToHex(split.relay.bytes) !== bytesToHex(relayBytes)) malformed('a relay address')
    addresses.push(address)
  }
  reader.end()
  return { v: INVITE_VERSION, addresses, patient, chainId, token, expires }
}

/**
 * Whether every address of an invite reaches the patient through one of `relays` (this
 * deployment's). A doctor's browser dials before the doctor asks only then: an invite from a
 * crafted QR code could otherwise have it connect to any host the moment the code is read.
 */
export function invitesThroughRelays(invite: VisitInvite, relays: readonly string[]): boolean {
  return invite.addresses.length > 0 && invite.addresses.every((address) => relays.includes(address.split('/p2p-circuit')[0] ?? ''))
}

/** Seconds until the invite expires at `now` (Unix milliseconds); 0 or less when it has. */
export function inviteSecondsLeft(invite: VisitInvite, now = Date.now()): number {
  return invite.expires - Math.floor(now / 1000)
}

/**
 * The patient's side: the invites this browser issued, each accepted once and only before it
 * expires. Kept in memory: a reload ends every open invite, which is the safe side.
 */
export class InviteBook {
  readonly #issued = new Map<string, { expires: number; used: boolean }>()

  /** Records an invite this browser shows, unused, until its expiry. */
  issue(invite: VisitInvite): void {
    this.#issued.set(invite.token, { expires: invite.expires, used: false })
  }

  /**
   * Checks that the token may still be used, without using it: a request is checked first, and
   * spends the invite only once its signature verifies (redeem).
   *
   * @throws {VisitInviteError} `INVITE_UNKNOWN`, `INVITE_USED` or `INVITE_EXPIRED`.
   */
  check(token: string, now = Date.now()): void {
    this.#usable(token, now)
  }

  /**
   * Marks the token used; call it only for a request whose signature verified, so that a stranger
   * who saw the invite cannot spend it for the doctor it was shown to.
   *
   * @throws {VisitInviteError} `INVITE_UNKNOWN`, `INVITE_USED` or `INVITE_EXPIRED`.
   */
  redeem(token: string, now = Date.now()): void {
    this.#usable(token, now).used = true
  }

  #usable(token: string, now: number): { expires: number; used: boolean } {
    const entry = this.#issued.get(token)
    if (entry === undefined) throw new VisitInviteError('INVITE_UNKNOWN', 'The patient\'s browser did not issue this invite, or was reloaded since. Ask the patient for a new one.')
    if (entry.used) throw new VisitInviteError('INVITE_USED', 'This invite was already used. Ask the patient to start a new visit.')
    if (Math.floor(now / 1000) > entry.expires) throw new VisitInviteError('INVITE_EXPIRED', 'This invite has expired. Ask the patient to show a new one.')
    return entry
  }

  /** Forgets an invite, e.g. when the patient cancels it. */
  cancel(token: string): void {
    this.#issued.delete(token)
  }
}
