// What the session needs from the world, as plain interfaces: the ledger, the wallet, the
// clock. The app passes the real ones (chainLedger.ts, systemClock); tests pass fakes.
import type { AccessState, AuditEntryKind, GrantRecord, LatestAnchor, RegisteredKey } from '../chain/index.ts'
import type { WalletTypedData } from '../crypto/index.ts'

/** The ledger's reads and writes the history session uses, bound to one deployment and wallet. */
export interface SessionLedger {
  /** Whether `writer` may add to `patient`'s history now (the patient, or a doctor with a live write grant). */
  mayWriteHistory(patient: string, writer: string): Promise<boolean>
  /** Every grant `patient` made, live or not (revoked ones left out). */
  readGrants(patient: string): Promise<GrantRecord[]>
  /** `patient`'s grants and every end of access (revocations included), at one block of the ledger. */
  readAccess(patient: string): Promise<AccessState>
  /** Whether `doctor`'s grant from `patient` is live now. */
  isGrantLive(patient: string, doctor: string): Promise<boolean>
  readLatestAnchor(patient: string): Promise<LatestAnchor | null>
  /** The connected wallet's transaction anchoring its history's heads. */
  anchor(input: { root: `0x${string}`; entryCount: number }): Promise<{ blockNumber: bigint }>
  /** A user's published X25519 key (hex), or null when they published none. */
  readEncryptionKey(user: string): Promise<`0x${string}` | null>
  /** A user's published X25519 key with its version, or null when they published none. */
  readRegisteredKey(user: string): Promise<RegisteredKey | null>
  /** The connected wallet's transaction publishing its X25519 public key as `version` (1, or the registered version plus one). */
  publishEncryptionKey(input: { publicKey: Uint8Array; version: number }): Promise<{ blockNumber: bigint }>
  /** The keeper list `user` left on the ledger, sealed to their own key; undefined when they left none. */
  readSealedKeepers(user: string): Promise<Uint8Array | undefined>
  /** The connected wallet's transaction leaving `sealed` as its keeper list (src/crypto sealKeeperList). */
  sealKeepers(sealed: Uint8Array): Promise<{ blockNumber: bigint }>
  /** The connected wallet's transaction ending `doctor`'s access. */
  revoke(doctor: string): Promise<unknown>
  /** Calls `onEntries` with the kinds of `patient`'s new audit events as they land; returns the stop function. */
  watchAuditTrail(patient: string, onEntries: (entries: readonly { kind: AuditEntryKind }[]) => void): () => void
}

/** The connected wallet, as far as the session uses it. */
export interface SessionWallet {
  readonly address: string
  /** Signs EIP-712 typed data (eth_signTypedData_v4); the signature's 65 bytes. `action` says what was asked, for a refusal's message. */
  signTypedData(data: WalletTypedData, action: string): Promise<Uint8Array>
}

/** What setTimeout returns: a number in the browser, an object in Node. */
export type TimerHandle = object | number

/** Time and timers: the system's in the app, a manual one in tests. */
export interface Clock {
  now(): number
  setTimeout(run: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle | undefined): void
}

/** The system's time and timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout> | undefined)
}

/** Runs `run` every `ms` on `clock`; returns the stop function. */
export function every(clock: Clock, ms: number, run: () => void): () => void {
  let handle: TimerHandle | undefined
  let stopped = false
  const tick = (): void => {
    handle = clock.setTimeout(() => {
      if (stopped) return
      run()
      tick()
    }, ms)
  }
  tick()
  return () => {
    stopped = true
    clock.clearTimeout(handle)
  }
}

/** Where errors that nobody awaits go (the console in the app). */
export interface SessionLog {
  warn(message: string, error: unknown): void
  error(message: string, error?: unknown): void
}

/** The console, where the app reports what nobody awaits. */
export const consoleLog: SessionLog = {
  warn: (message, error) => console.warn(message, error),
  error: (message, error) => (error === undefined ? console.error(message) : console.error(message, error))
}

