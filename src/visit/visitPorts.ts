// What a visit needs from the rest of the app, as small interfaces this domain owns: the
// peer-to-peer channel, the ledger, the wallet, the history session and a clock. The app adapts
// its node, chain clients and session to them; the tests pass fakes.
import type { Hex } from 'viem'
import { systemClock, type Clock as SessionClock } from '../session/index.ts'
import type { Scope, VisitRequestSigner, VisitRequestTerms } from '../chain/index.ts'
import type { AnswerKeeper, VisitAnswer, VisitRequest } from '../p2p/index.ts'

/** How far this device's relay reservation has come (see the p2p node's status). */
export type RelayState = 'none' | 'connecting' | 'reserved' | 'unreachable'

/** A doctor's request as it reaches the patient's device, before anyone checked it. */
export interface IncomingVisitRequest {
  request: VisitRequest
  /** The doctor's device (libp2p peer id), as the connection proves it. */
  from: string
  /** Fires when the doctor's browser goes away or stops waiting. */
  signal: AbortSignal
  /** Sends the answer to the doctor's browser; only the first answer is sent. */
  answer(answer: VisitAnswer): Promise<void>
}

/** The peer-to-peer side of a visit: this device's node, as both halves use it. */
export interface VisitChannel {
  /** This device's peer id. */
  peerId(): string
  /** This device's relay reservation and its dialable address through the relay, once reserved. */
  relay(): { state: RelayState; circuitAddress?: string }
  /** Calls `onVisit` for each well-formed request; resolves to a function that stops serving. */
  serveVisits(onVisit: (visit: IncomingVisitRequest) => void): Promise<() => Promise<void>>
  /** Dials an address; `direct` is true when the connection is not through the relay. */
  dial(address: string): Promise<{ direct: boolean }>
  /** Dials a peer's own address (a keeper's, over WebSockets), not through a relay. */
  dialDirect(address: string): Promise<void>
  /** Closes the connections to the peer of an address. */
  hangUp(address: string): Promise<void>
  /** Whether a direct (unlimited, open) connection to `peer` is up now. */
  hasDirectConnection(peer: string): boolean
  /** Sends a request over the direct connection to `address` and waits for the patient's answer. */
  requestVisit(address: string, request: VisitRequest, signal: AbortSignal): Promise<VisitAnswer>
}

/** The ledger reads and writes of a visit, each signed by the connected wallet where it writes. */
export interface VisitLedger {
  /** The chain the ledger is on. */
  chain: { id: number; name: string }
  /** A user's published X25519 key as hex, or null when they published none. */
  readEncryptionKey(user: string): Promise<Hex | null>
  /** Publishes this wallet's X25519 key (the doctor's, so a patient can share with them). */
  publishEncryptionKey(publicKey: Uint8Array): Promise<unknown>
  /** The patient's grant transaction; resolves once it is mined. */
  grant(terms: { doctor: string; expiry: Date; scope: Scope }): Promise<{ transactionHash: string }>
  /** The doctor's record that they opened the patient's history. */
  logVisit(patient: string): Promise<unknown>
  /** How `signature` was found to be `doctor`'s over the request's terms for this deployment (VisitRequestSigner), or undefined when it is not. */
  verifyVisitRequest(terms: VisitRequestTerms & { doctor: string; signature: Hex }): Promise<VisitRequestSigner | undefined>
}

/** The connected wallet, as a visit uses it. */
export interface VisitWallet {
  address: string
  /** Signs the doctor's request for this deployment (EIP-712 typed data, no transaction). */
  signVisitRequest(terms: VisitRequestTerms): Promise<Hex>
}

/**
 * Everything a visit needs once the app is ready: a connected wallet, the ledger and a running
 * node. `relays` are this deployment's relays, the only hosts dialled before the doctor asks.
 */
export interface VisitContext {
  wallet: VisitWallet
  ledger: VisitLedger
  channel: VisitChannel
  relays: readonly string[]
}

/** What the patient's half needs from the history session. */
export interface PatientHistoryPort {
  /** Asks the wallet for what this device lacks and opens the history. */
  unlock(): Promise<void>
  /** The patient's own history, once open. */
  own():
    | {
        /** The history log's address, which the doctor's browser opens. */
        address: string
        /** The keys of the granted categories (indexes into recordCategories), wrapped for a reader's key. */
        wrapFor(readerPublicKey: Uint8Array, categories: readonly number[]): Promise<Uint8Array>
        /** The keepers the patient enrolled (address, wallet): a doctor follows up there while the patient is offline. */
        keepers(): readonly AnswerKeeper[]
      }
    | undefined
}

/** What the doctor's half needs from the history session; `R` is the app's open reading of a patient's history. */
export interface DoctorHistoryPort<R extends { close(): Promise<void> }> {
  /** Asks the wallet for what this device lacks and opens this wallet's keys. */
  unlock(): Promise<void>
  /** This wallet's X25519 public key on this device, once unlocked. */
  encryptionPublicKey(): Uint8Array | undefined
  /** Why unlocking failed, when it did. */
  unlockFailure(): string | undefined
  /** Starts fetching the patient's log (ciphertext) from `peer`; the function it returns stops that. */
  prefetchPatient(patient: string, peer: string): () => Promise<void>
  /**
   * Opens the patient's history with the keys they wrapped for this doctor, pulled from `peer`;
   * `holder` is the wallet `peer` is known to prove (a keeper's, as the patient named it), asked about on the ledger at once.
   */
  readPatient(patient: string, wrappedKeys: Uint8Array, peer: string, reconnect: () => Promise<void>, holder?: string): Promise<R>
  /** Takes the emergency keys a guardian of `patient` left for this doctor with the keeper at `keeper` (a multiaddr), connecting to it. */
  takeEmergencyKeys(patient: string, keeper: string): Promise<Uint8Array>
}

/** The time a visit reads (invite expiry): the session's clock, of which a visit needs only now(). */
export type Clock = Pick<SessionClock, 'now'>

export { systemClock }
