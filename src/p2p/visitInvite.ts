// A visit invite: what a doctor's browser needs to reach the patient's, carried in a link's
// fragment (never sent to a server) or a QR code. It is valid for minutes and once only:
// the patient's browser keeps the token and refuses it when late or seen before.
import { AnamnesisError } from '../errors/index.ts'

/** A visit invite as the patient's browser issues it and the doctor's reads it from the link. */
export interface VisitInvite {
  /** The invite format's version. */
  v: 1
  /** The patient's dialable addresses through a relay: `<relay>/p2p-circuit/webrtc/p2p/<patient peer>`. */
  addresses: string[]
  /** The patient's wallet address. */
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

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const TOKEN = /^[0-9a-f]{32}$/

function malformed(what: string): never {
  throw new VisitInviteError('INVITE_MALFORMED', `This visit link is damaged (${what}). Ask the patient to show a new one.`)
}

function randomToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * A new invite with a fresh random token, for the patient's browser to issue in its InviteBook:
 * `addresses` are this device's circuit addresses through the relays, `patient` the patient's
 * wallet address, `chainId` the chain the grants live on; it expires `seconds` (default
 * DEFAULT_INVITE_SECONDS) after `now` (Unix milliseconds, default now). Nothing else is checked.
 * @throws {VisitInviteError} `INVITE_MALFORMED` when there is no address yet (no relay reservation).
 */
export function createVisitInvite({ addresses, patient, chainId, now = Date.now(), seconds = DEFAULT_INVITE_SECONDS }: {
  addresses: string[]
  patient: string
  chainId: number
  now?: number
  seconds?: number
}): VisitInvite {
  if (addresses.length === 0) throw new VisitInviteError('INVITE_MALFORMED', 'This device is not reachable yet: wait until the status strip shows the relay reserved, then start the visit again.')
  return { v: 1, addresses, patient, chainId, token: randomToken(), expires: Math.floor(now / 1000) + seconds }
}

const toBase64Url = (text: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
const fromBase64Url = (text: string): string => {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
}

/** The invite as one URL-safe string, for a link fragment or a QR code. */
export function encodeVisitInvite(invite: VisitInvite): string {
  return toBase64Url(JSON.stringify(invite))
}

/**
 * Reads an invite from a link. Checks the shape, not the expiry: version 1, 1 to 8 circuit
 * addresses (strings starting with `/`, containing `/p2p-circuit/`, under 600 characters), a wallet
 * address, a positive chain id, a 32-hex-digit token and an integer expiry. Which relays the
 * addresses go through is checked by invitesThroughRelays.
 * @throws {VisitInviteError} `INVITE_MALFORMED`, saying what is wrong.
 */
export function decodeVisitInvite(encoded: string): VisitInvite {
  let value: unknown
  try {
    value = JSON.parse(fromBase64Url(encoded.trim()))
  } catch {
    malformed('it is not an invite')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed('it is not an invite')
  const v = value as Record<string, unknown>
  if (v.v !== 1) malformed('unknown version')
  if (!Array.isArray(v.addresses) || v.addresses.length === 0 || v.addresses.length > 8) malformed('no address to reach the patient')
  const addresses = v.addresses.filter((a): a is string => typeof a === 'string' && a.startsWith('/') && a.includes('/p2p-circuit/') && a.length < 600)
  if (addresses.length !== v.addresses.length) malformed('an address is not a peer address')
  if (typeof v.patient !== 'string' || !ADDRESS.test(v.patient)) malformed("the patient's address")
  if (typeof v.chainId !== 'number' || !Number.isSafeInteger(v.chainId) || v.chainId <= 0) malformed('the chain')
  if (typeof v.token !== 'string' || !TOKEN.test(v.token)) malformed('the token')
  if (typeof v.expires !== 'number' || !Number.isSafeInteger(v.expires)) malformed('the expiry')
  return { v: 1, addresses, patient: v.patient, chainId: v.chainId, token: v.token, expires: v.expires }
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
