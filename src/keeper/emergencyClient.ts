// The two sides of /anamnesis/emergency/1.0.0 the app calls (emergencyProtocol.ts): the patient's
// device leaves the sealed summary of a card with each of its keepers; an emergency clinician, who
// has recorded a break-glass on the ledger, asks one keeper for it. Sealing and opening the summary
// with the card's key is src/crypto's (emergencyCard.ts): the keeper only ever sees ciphertext.
// A guardian leaves the emergency categories' keys for a treating doctor with the patient's keepers,
// and the doctor takes them (emergencyKeys.ts): keys wrapped for the doctor, which no keeper opens.
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js'
import { isCardId, MAX_EMERGENCY_CIPHERTEXT, type SigningDomain, type WalletTypedData } from '../crypto/index.ts'
import { errorMessage } from '../errors/index.ts'
import type { P2PNode, WalletAddress, WalletIdentity } from '../p2p/index.ts'
import { ciphertextDigest, EMERGENCY_PROTOCOL, isEmergencyRefusal, openRequestTypedData, signCardStatement, type EmergencyRefusal, type OpenRequest } from './emergencyProtocol.ts'
import { MAX_HANDED_KEYS, signHandKeys, signTakeKeys } from './emergencyKeys.ts'
import { exchangeWithKeeper, KeeperError, nextAt, type KeeperExchange } from './keeperClient.ts'
import { isBytes } from './keeperStatement.ts'

/** The clinician's wallet, as far as opening a card needs it: its address, and EIP-712 signing (65 bytes, or their 0x-hex as viem gives them). */
export interface ClinicianSigner {
  address: string
  signTypedData(data: WalletTypedData): Promise<Uint8Array | `0x${string}`>
}

/** What the patient's device stores: the card's id and its sealed summary (sealEmergencySummary). */
export interface StoreEmergencyCardRequest {
  /** The patient's wallet-bound history identity: it signs the store statement (no wallet prompt). */
  identity: WalletIdentity
  patient: string
  cardId: Uint8Array
  ciphertext: Uint8Array
  /** How long each keeper's call may take. Default 15 s. */
  timeoutMs?: number
}

/** One keeper's answer to a store: its address and whether it replaced an earlier card, or why it failed. */
export type StoredCard = { keeper: string; ok: true; keeperWallet: WalletAddress; replaced: boolean } | { keeper: string; ok: false; error: KeeperError }

/** What a clinician asks a keeper for: the card's id (from its link), the patient, and who asks. */
export interface OpenEmergencyCardRequest {
  cardId: Uint8Array
  patient: string
  clinician: ClinicianSigner
  /** The app's signing domain (its origin, chain and key registry): the keeper checks the signature in its own. */
  domain: SigningDomain
  timeoutMs?: number
}

/** The ciphertext a keeper released, with the break-glass it released it for. */
export interface OpenedEmergencyCard {
  ciphertext: Uint8Array
  keeper: WalletAddress
  /** The block time of the break-glass the keeper found, unix seconds. */
  brokenAt: number
  reasonCode: number
}

const MESSAGES: Record<EmergencyRefusal, string> = {
  'bad-signature': 'The keeper could not check that this request is yours: unlock your keys (or your wallet) again and retry.',
  'not-enrolled': 'This keeper does not keep your history: enrol it first, then leave your emergency card with it.',
  stale: 'The keeper refused a request it took for an old or repeated one: check this device\'s clock and try again.',
  'too-large': 'The emergency summary is too large for a keeper to hold (at most 64 KiB sealed): leave out some items.',
  malformed: 'The keeper did not understand the request: it may run another version of Anamnesis.',
  'unknown-card': 'This card has been replaced by the patient, or its summary was never left with this keeper: the full summary cannot be opened with it.',
  'no-break-glass': 'The keeper found no break-glass by you for this patient on the ledger: record it first, then open the summary.',
  'break-glass-too-old': 'Your break-glass for this patient is more than 15 minutes old: record it again to open the summary.',
  'chain-unreachable': 'The keeper could not read the ledger to check your break-glass: try again in a moment.',
  'disk-full': 'This keeper\'s disk is full: it stores nothing new until its operator frees space.',
  'not-guardian': 'The ledger does not name you as this patient\'s guardian (any more): only a guardian may hand on the emergency keys.',
  'no-emergency-access': 'The ledger shows no live emergency access of this doctor to this patient\'s history: it was never granted, it ended, or the patient revoked it.',
  'no-keys': 'This keeper holds no keys for you from the patient\'s guardian: ask the guardian to hand them on again, or try another of the patient\'s keepers.'
}

/** Where a guardian's hand-keys request differs from the words above, which speak to a patient and a clinician. */
const HAND_MESSAGES: Partial<Record<EmergencyRefusal, string>> = {
  'not-enrolled': 'This keeper does not keep the patient\'s history: try another of their keepers.',
  'bad-signature': 'The keeper could not check that this request is yours: unlock your keys again and retry.',
  'too-large': 'The keeper holds keys for too many of this patient\'s doctors already, or these are more keys than it takes.'
}

/** A keeper's answer holds at most one card's ciphertext or one set of handed keys. */
const ANSWER_HELD_BYTES = Math.max(MAX_EMERGENCY_CIPHERTEXT, MAX_HANDED_KEYS) + 8 * 1024

/**
 * Leaves the sealed summary of card `cardId` with each keeper (multiaddrs ending in /p2p/<peer id>),
 * in place of the patient's earlier card there, whose ciphertext the keeper deletes. Every keeper is
 * asked, whatever the others answer.
 * @throws {KeeperError} `KEEPER_PROTOCOL` at once for a card id that is not 16 to 32 bytes or a
 *   ciphertext over 64 KiB; each keeper's own failure is in its {@link StoredCard}.
 */
export async function storeEmergencyCard(node: Pick<P2PNode, 'libp2p'>, keepers: readonly string[], request: StoreEmergencyCardRequest): Promise<StoredCard[]> {
  if (!isCardId(request.cardId)) throw new KeeperError('KEEPER_PROTOCOL', 'A card id is 16 to 32 bytes.')
  if (request.ciphertext.length === 0 || request.ciphertext.length > MAX_EMERGENCY_CIPHERTEXT) throw new KeeperError('KEEPER_PROTOCOL', MESSAGES['too-large'])
  const patient = request.patient.toLowerCase() as WalletAddress
  const digest = ciphertextDigest(request.ciphertext)
  return await Promise.all(
    keepers.map(async (keeper): Promise<StoredCard> => {
      try {
        const stored = await call(node, keeper, request.timeoutMs, async (me) => {
          const signed = await signCardStatement(request.identity, { v: 1, kind: 'emergency-card', patient, keeper: me.keeper, peer: me.peer, card: request.cardId, digest, at: nextAt() })
          return { t: 'store', ...signed, ciphertext: request.ciphertext }
        })
        if (stored.answer.t !== 'stored' || typeof stored.answer.replaced !== 'boolean') throw protocolError()
        return { keeper, ok: true, keeperWallet: stored.keeper, replaced: stored.answer.replaced }
      } catch (error) {
        return { keeper, ok: false, error: error instanceof KeeperError ? error : new KeeperError('KEEPER_UNREACHABLE', errorMessage(error), { cause: error }) }
      }
    })
  )
}

/**
 * Asks the keeper at `keeperAddress` for the ciphertext of card `cardId` of `patient`, with a request
 * the clinician's wallet signs (one wallet prompt). The keeper releases it only if the ledger shows
 * the clinician's break-glass for this patient within the last 15 minutes: record it first.
 * @throws {KeeperError} `KEEPER_REFUSED` with the keeper's reason (no break-glass, too old, a replaced
 *   card, ...); `KEEPER_UNREACHABLE` or `KEEPER_PROTOCOL` as for the other keeper calls.
 */
export async function openEmergencyCard(node: Pick<P2PNode, 'libp2p'>, keeperAddress: string, request: OpenEmergencyCardRequest): Promise<OpenedEmergencyCard> {
  if (!isCardId(request.cardId)) throw new KeeperError('KEEPER_PROTOCOL', 'This card\'s link holds no valid card id: the full summary cannot be opened with it.')
  const patient = request.patient.toLowerCase() as WalletAddress
  const clinician = request.clinician.address.toLowerCase() as WalletAddress
  const opened = await call(node, keeperAddress, request.timeoutMs, async (me) => {
    const open: OpenRequest = { keeper: me.keeper, peer: me.peer, patient, clinician, card: `0x${bytesToHex(request.cardId)}`, nonce: `0x${bytesToHex(randomBytes(16))}`, at: nextAt() }
    const signature = await request.clinician.signTypedData(openRequestTypedData(request.domain, open))
    return { t: 'open', request: open, signature: typeof signature === 'string' ? hexToBytes(signature.slice(2)) : signature }
  })
  const { answer } = opened
  if (answer.t !== 'card' || !isBytes(answer.ciphertext) || typeof answer.brokenAt !== 'number' || typeof answer.reasonCode !== 'number') throw protocolError()
  return { ciphertext: answer.ciphertext, keeper: opened.keeper, brokenAt: answer.brokenAt, reasonCode: answer.reasonCode }
}

/** What a guardian hands on: the emergency keys wrapped for `doctor` (wrapKeyringFor), signed with the guardian's history identity. */
export interface HandEmergencyKeysRequest {
  /** The guardian's wallet-bound history identity: it signs the statement (no wallet prompt). */
  identity: WalletIdentity
  patient: string
  doctor: string
  /** The wrapped keys (encodeWrappedKeys), sealed to the doctor's published key. */
  keys: Uint8Array
  timeoutMs?: number
}

/** One keeper's answer to a hand-on: its address, or why it failed. */
export type HandedKeys = { keeper: string; ok: true; keeperWallet: WalletAddress; replaced: boolean } | { keeper: string; ok: false; error: KeeperError }

/**
 * Leaves the emergency keys a guardian wrapped for a treating doctor with each of the patient's
 * keepers, in place of any the doctor had there. A keeper keeps them only when its own view of the
 * ledger names the sender as the patient's guardian and shows the doctor's emergency access live.
 * Every keeper is asked, whatever the others answer.
 * @throws {KeeperError} `KEEPER_PROTOCOL` at once for no keys or more than 64 KiB of them; each keeper's own failure is in its {@link HandedKeys}.
 */
export async function handEmergencyKeys(node: Pick<P2PNode, 'libp2p'>, keepers: readonly string[], request: HandEmergencyKeysRequest): Promise<HandedKeys[]> {
  if (request.keys.length === 0 || request.keys.length > MAX_HANDED_KEYS) throw new KeeperError('KEEPER_PROTOCOL', 'There are no keys to hand on, or more than a keeper takes.')
  const patient = request.patient.toLowerCase() as WalletAddress
  const doctor = request.doctor.toLowerCase() as WalletAddress
  const guardian = request.identity.verified.address
  const digest = ciphertextDigest(request.keys)
  return await Promise.all(
    keepers.map(async (keeper): Promise<HandedKeys> => {
      try {
        const kept = await call(
          node,
          keeper,
          request.timeoutMs,
          async (me) => ({ t: 'hand-keys', ...(await signHandKeys(request.identity, { v: 1, kind: 'hand-keys', patient, guardian, doctor, keeper: me.keeper, peer: me.peer, digest, at: nextAt() })), keys: request.keys }),
          HAND_MESSAGES
        )
        if (kept.answer.t !== 'kept' || typeof kept.answer.replaced !== 'boolean') throw protocolError()
        return { keeper, ok: true, keeperWallet: kept.keeper, replaced: kept.answer.replaced }
      } catch (error) {
        return { keeper, ok: false, error: error instanceof KeeperError ? error : new KeeperError('KEEPER_UNREACHABLE', errorMessage(error), { cause: error }) }
      }
    })
  )
}

/**
 * Takes from the keeper at `keeperAddress` the emergency keys a guardian of `patient` left for this
 * doctor (the identity's wallet), while the ledger shows the doctor's emergency access live.
 * @throws {KeeperError} `KEEPER_REFUSED` with the keeper's reason (no keys here, access not live, ...);
 *   `KEEPER_UNREACHABLE` or `KEEPER_PROTOCOL` as for the other keeper calls.
 */
export async function takeEmergencyKeys(node: Pick<P2PNode, 'libp2p'>, keeperAddress: string, request: { identity: WalletIdentity; patient: string; timeoutMs?: number }): Promise<{ keys: Uint8Array; keeper: WalletAddress }> {
  const patient = request.patient.toLowerCase() as WalletAddress
  const doctor = request.identity.verified.address
  const taken = await call(node, keeperAddress, request.timeoutMs, async (me) => ({
    t: 'take-keys',
    ...(await signTakeKeys(request.identity, { v: 1, kind: 'take-keys', patient, doctor, keeper: me.keeper, peer: me.peer, at: nextAt() }))
  }))
  if (taken.answer.t !== 'keys' || !isBytes(taken.answer.keys) || taken.answer.keys.length === 0 || taken.answer.keys.length > MAX_HANDED_KEYS) throw protocolError()
  return { keys: taken.answer.keys, keeper: taken.keeper }
}

/**
 * The wallet of the keeper at `keeperAddress`, from its hello on the emergency protocol; the connection
 * stays up for what follows (a pull of the history it keeps).
 * @throws {KeeperError} `KEEPER_UNREACHABLE` or `KEEPER_PROTOCOL` as for the other keeper calls.
 */
export async function greetKeeper(node: Pick<P2PNode, 'libp2p'>, keeperAddress: string, timeoutMs?: number): Promise<WalletAddress> {
  return await exchangeWithKeeper(node, keeperAddress, EMERGENCY_EXCHANGE, timeoutMs, ({ keeper }) => Promise.resolve(keeper))
}

const EMERGENCY_EXCHANGE: KeeperExchange = {
  protocol: EMERGENCY_PROTOCOL,
  heldBytes: ANSWER_HELD_BYTES,
  unreachable: 'The keeper could not be reached: check its address, or try again when it is online.',
  stoppedAnswering: 'The keeper stopped answering: try again when it is online.',
  outsideProtocol: 'The keeper answered with something that is not part of the emergency protocol.'
}

const protocolError = (): KeeperError => new KeeperError('KEEPER_PROTOCOL', EMERGENCY_EXCHANGE.outsideProtocol)

/** Sends the keeper the request `make` builds for it, and returns its answer (a refusal thrown). */
async function call(
  node: Pick<P2PNode, 'libp2p'>,
  keeperAddress: string,
  timeoutMs: number | undefined,
  make: (keeper: { keeper: WalletAddress; peer: string }) => Promise<Record<string, unknown>>,
  messages: Partial<Record<EmergencyRefusal, string>> = {}
): Promise<{ keeper: WalletAddress; answer: Record<string, unknown> }> {
  return await exchangeWithKeeper(node, keeperAddress, EMERGENCY_EXCHANGE, timeoutMs, async ({ keeper, peer, send, next }) => {
    await send(await make({ keeper, peer }))
    const answer = await next()
    if (answer.t === 'refused') {
      const reason = isEmergencyRefusal(answer.reason) ? answer.reason : 'malformed'
      throw new KeeperError('KEEPER_REFUSED', messages[reason] ?? MESSAGES[reason], { reason })
    }
    return { keeper, answer }
  })
}
