// The full tier of an emergency card, as the app's screens ask for it. The patient's side seals the
// emergency summary under a new card (id and key) and leaves it with every enrolled keeper: "Replace
// my card" is the same call, and each keeper then drops the old card's ciphertext. The clinician's
// side, after the break-glass transaction, asks the card's keepers one after another and opens what
// one releases with the key from the card's link. Keys stay here: the screens get bytes and words.
import { newEmergencyCard, openEmergencySummary, sealEmergencySummary, type SigningDomain } from '../crypto/index.ts'
import { errorMessage } from '../errors/index.ts'
import { KeeperError, openEmergencyCard, storeEmergencyCard, type ClinicianSigner, type StoredCard } from '../keeper/index.ts'
import { useIdentityDomain, type P2PNode, type WalletIdentity } from '../p2p/index.ts'
import { SessionError } from './SessionError.ts'

/** A card whose full tier is with the keepers: what its link carries (id and key), and each keeper's answer. */
export interface PublishedEmergencyCard {
  cardId: Uint8Array
  /** The card's key: it goes into the card's link and nowhere else. */
  key: Uint8Array
  /** Each keeper's answer; at least one took the card. */
  stored: StoredCard[]
}

/**
 * Seals the patient's emergency summary (its bytes as the summary's builder encodes them) and leaves it
 * with each of the patient's keepers, replacing the card each held before. Under a new card (new id
 * and key: "Replace my card") unless `card` is given: the card in use, whose link stays valid while its
 * summary is brought up to date (its id may be derived from its key, as the card's link does).
 * @throws {SessionError} `EMERGENCY_CARD_NOT_STORED` when no keeper is enrolled or none took the card
 *   (the message gives the first keeper's reason); {CryptoError} `INVALID_INPUT` for a summary too long
 *   for a card or a card id that is not 16 to 32 bytes, `INVALID_KEY` for a key that is not 32 bytes.
 */
export async function publishEmergencyCard(input: {
  node: Pick<P2PNode, 'libp2p'>
  keepers: readonly string[]
  identity: WalletIdentity
  patient: string
  summary: Uint8Array
  card?: { cardId: Uint8Array; key: Uint8Array }
}): Promise<PublishedEmergencyCard> {
  if (input.keepers.length === 0) throw new SessionError('EMERGENCY_CARD_NOT_STORED', 'Enrol a keeper first: the full emergency summary is held by your keepers while you cannot answer.')
  const { cardId, key } = input.card ?? newEmergencyCard()
  const ciphertext = sealEmergencySummary({ key, cardId, patient: input.patient, summary: input.summary })
  const stored = await storeEmergencyCard(input.node, input.keepers, { identity: input.identity, patient: input.patient, cardId, ciphertext })
  if (!stored.some((answer) => answer.ok)) {
    const failed = stored.find((answer): answer is Extract<StoredCard, { ok: false }> => !answer.ok)
    throw new SessionError('EMERGENCY_CARD_NOT_STORED', `None of your keepers took the emergency card, so its full tier would open nothing: ${failed?.error.message ?? 'no answer'}`, { cause: failed?.error })
  }
  return { cardId, key, stored }
}

/** The full emergency summary, as a keeper released it for the clinician's break-glass. */
export interface EmergencySummaryRead {
  summary: Uint8Array
  /** The keeper that released it (its wallet address). */
  keeper: `0x${string}`
  /** The break-glass the keeper found: block time (unix seconds) and the contract's reason code. */
  brokenAt: number
  reasonCode: number
}

/**
 * Asks the card's keepers (multiaddrs from its link), one after another, for the card's ciphertext, and
 * opens the first one released with the card's key. Record the break-glass first: each keeper checks it
 * on the ledger.
 * @throws {SessionError} `EMERGENCY_SUMMARY_UNAVAILABLE` with the first refusal's words (no break-glass,
 *   a replaced card, ...) or why the keepers could not be reached, or when the released ciphertext does not
 *   open with the card's key. `cause` holds the {@link KeeperError} or {CryptoError}.
 */
export async function readEmergencySummary(input: {
  node: Pick<P2PNode, 'libp2p'>
  keepers: readonly string[]
  cardId: Uint8Array
  key: Uint8Array
  patient: string
  clinician: ClinicianSigner
  domain: SigningDomain
}): Promise<EmergencySummaryRead> {
  // A keeper proves who it is with a wallet identity bound in this app's domain: a clinician who has
  // opened no history of their own has not named the domain to the identity checks yet.
  useIdentityDomain(input.domain)
  const errors: unknown[] = []
  for (const keeper of input.keepers) {
    let opened
    try {
      opened = await openEmergencyCard(input.node, keeper, { cardId: input.cardId, patient: input.patient, clinician: input.clinician, domain: input.domain })
    } catch (error) {
      errors.push(error)
      continue
    }
    try {
      const summary = openEmergencySummary({ key: input.key, cardId: input.cardId, patient: input.patient, ciphertext: opened.ciphertext })
      return { summary, keeper: opened.keeper, brokenAt: opened.brokenAt, reasonCode: opened.reasonCode }
    } catch (error) {
      throw new SessionError('EMERGENCY_SUMMARY_UNAVAILABLE', 'The keeper released a summary that does not open with this card: the card may be damaged or replaced.', { cause: error })
    }
  }
  // A refusal says more than an unreachable keeper: show the first one.
  const refusal = errors.find((error) => error instanceof KeeperError && error.code === 'KEEPER_REFUSED') ?? errors[0]
  const words = refusal === undefined ? 'The card names no keeper.' : errorMessage(refusal)
  throw new SessionError('EMERGENCY_SUMMARY_UNAVAILABLE', words, { cause: refusal })
}
