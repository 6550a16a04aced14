// Small fakes for the visit domain's unit tests: an in-memory peer-to-peer network joining a
// patient's device and a doctor's, a ledger that remembers keys, grants and visits, wallets that
// really sign (viem's privateKeyToAccount), history sessions that wrap and read keys in the
// open, and a clock moved by hand.
import { bytesToHex, createClient, custom, hexToBytes, UserRejectedRequestError, type EIP1193RequestFn, type Hex } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { toChainError, verifyVisitRequest, visitRequestTypedData, type ChainClient, type Scope, type VisitRequestDomain } from '../../src/chain/index.ts'
import type { AnswerKeeper, VisitAnswer, VisitRequest } from '../../src/p2p/index.ts'
import type { DoctorHistoryPort, IncomingVisitRequest, PatientHistoryPort, RelayState, VisitChannel, VisitContext, VisitLedger, VisitWallet } from '../../src/visit/index.ts'

/** This deployment's relay, and the devices' peer ids and addresses through it. */
export const RELAY = '/ip4/10.233.0.1/tcp/39091/ws/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'
export const PATIENT_PEER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
export const DOCTOR_PEER = '12D3KooWDoctorDevice1111111111111111111111111111111'
export const PATIENT_ADDRESS = `${RELAY}/p2p-circuit/webrtc/p2p/${PATIENT_PEER}`
export const CHAIN = { id: 31337, name: 'Local chain' }
/** The deployment both apps are on: its chain and consent contract, for which requests are signed. */
export const DOMAIN: VisitRequestDomain = { chainId: CHAIN.id, verifyingContract: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' }
/** The origin both apps are served from. */
export const APP_ORIGIN = 'https://app.example'

// Anvil's first two development keys: a patient and a doctor.
export const PATIENT_KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
export const DOCTOR_KEY: Hex = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
export const STRANGER_KEY: Hex = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'

/**
 * For vi.waitFor on what a fake peer's message brings about: its default second is too short on a
 * slow or busy machine, where checking the message's wallet signature alone can take most of it.
 */
export const EVENTUALLY = { timeout: 10_000 }

export interface ManualClock {
  now(): number
  advance(ms: number): void
}

/** A clock that moves only when told. */
export function manualClock(start = Date.parse('2026-12-05T10:00:00Z')): ManualClock {
  let time = start
  return {
    now: () => time,
    advance: (ms) => {
      time += ms
    }
  }
}

/** Everything that crossed the fake network and ledger, in order: what a user would see happen. */
export type Happening =
  | { what: 'grant'; patient: string; doctor: string; expiry: Date; scope: Scope }
  | { what: 'answer'; answer: VisitAnswer }
  | { what: 'publish-key'; user: string; key: Hex }
  | { what: 'log-visit'; doctor: string; patient: string }
  | { what: 'dial'; address: string }
  | { what: 'hang-up'; address: string }
  | { what: 'dial-direct'; address: string }

interface PendingVisit {
  controller: AbortController
  reject(error: Error): void
}

/** The patient's device and the doctor's, joined through a relay in memory. */
export function fakeNetwork(happened: Happening[]) {
  let patientOnline = true
  let connected = false
  let patientRelay: RelayState = 'reserved'
  // Keepers answering now, by address; those the doctor is connected to, by peer id.
  const keepersUp = new Set<string>()
  const keepersConnected = new Set<string>()
  let handler: ((visit: IncomingVisitRequest) => void) | undefined
  const pending = new Set<PendingVisit>()

  const patient: VisitChannel = {
    peerId: () => PATIENT_PEER,
    relay: () => (patientRelay === 'reserved' ? { state: patientRelay, circuitAddress: PATIENT_ADDRESS } : { state: patientRelay }),
    serveVisits: (onVisit) => {
      handler = onVisit
      return Promise.resolve(() => {
        handler = undefined
        return Promise.resolve()
      })
    },
    dial: () => Promise.reject(new Error('the patient does not dial')),
    dialDirect: () => Promise.reject(new Error('the patient does not dial')),
    hangUp: () => Promise.resolve(),
    hasDirectConnection: () => connected,
    requestVisit: () => Promise.reject(new Error('the patient does not ask'))
  }

  const doctor: VisitChannel = {
    peerId: () => DOCTOR_PEER,
    relay: () => ({ state: 'reserved' }),
    serveVisits: () => Promise.reject(new Error('the doctor does not serve visits')),
    dial: (address) => {
      happened.push({ what: 'dial', address })
      if (!patientOnline || address !== PATIENT_ADDRESS) return Promise.reject(new Error('the dial timed out'))
      connected = true
      return Promise.resolve({ direct: true })
    },
    dialDirect: (address) => {
      happened.push({ what: 'dial-direct', address })
      if (!keepersUp.has(address)) return Promise.reject(new Error('the connection was refused'))
      keepersConnected.add(address.split('/p2p/').at(-1) ?? address)
      return Promise.resolve()
    },
    hangUp: (address) => {
      happened.push({ what: 'hang-up', address })
      const keeper = address.split('/p2p/').at(-1) ?? address
      if (keepersConnected.has(keeper)) keepersConnected.delete(keeper)
      else connected = false
      return Promise.resolve()
    },
    hasDirectConnection: (peer) => (connected && peer === PATIENT_PEER) || keepersConnected.has(peer),
    requestVisit: (address: string, request: VisitRequest, signal: AbortSignal) =>
      new Promise<VisitAnswer>((resolve, reject) => {
        const serve = handler
        if (!connected || address !== PATIENT_ADDRESS || serve === undefined) {
          reject(new Error("There is no direct connection to the patient's device"))
          return
        }
        const controller = new AbortController()
        const visit: PendingVisit = { controller, reject }
        pending.add(visit)
        signal.addEventListener('abort', () => controller.abort())
        let answered = false
        serve({
          request,
          from: DOCTOR_PEER,
          signal: controller.signal,
          answer: (answer) => {
            if (answered || controller.signal.aborted) return Promise.resolve()
            answered = true
            pending.delete(visit)
            happened.push({ what: 'answer', answer })
            resolve(answer)
            return Promise.resolve()
          }
        })
      })
  }

  return {
    patient,
    doctor,
    /** A keeper at `address` answers from now on. */
    keeperUp(address: string): void {
      keepersUp.add(address)
    },
    /** The keeper at `address` stops answering, and the doctor's connection to it drops. */
    keeperDown(address: string): void {
      keepersUp.delete(address)
      keepersConnected.delete(address.split('/p2p/').at(-1) ?? address)
    },
    /** The patient's page closes: the connection drops and a request in flight fails on the doctor's side. */
    patientGoesAway(): void {
      patientOnline = false
      connected = false
      for (const visit of pending) {
        visit.controller.abort()
        visit.reject(new Error('The connection to the patient\'s device was closed'))
      }
      pending.clear()
    },
    /** The patient's app is open again: their device answers dials. */
    patientComesBack(): void {
      patientOnline = true
    },
    /** The doctor's page closes while the patient decides. */
    doctorGoesAway(): void {
      connected = false
      for (const visit of pending) visit.controller.abort()
      pending.clear()
    },
    /** The direct connection drops, the patient's app staying open. */
    dropConnection(): void {
      connected = false
    },
    setPatientRelay(state: RelayState): void {
      patientRelay = state
    },
    isConnected: () => connected
  }
}

/** A wallet that signs with a real key, and can be told to refuse what it is asked. */
export function fakeWallet(privateKey: Hex) {
  const account: PrivateKeyAccount = privateKeyToAccount(privateKey)
  const refusing = new Set<'grant' | 'sign' | 'publish' | 'log-visit'>()
  const refusal = (action: string): Error => toChainError(new UserRejectedRequestError(new Error('User rejected the request.')), action)
  const wallet: VisitWallet = {
    address: account.address,
    signVisitRequest: (terms) => (refusing.has('sign') ? Promise.reject(refusal('sign the request for access')) : account.signTypedData(visitRequestTypedData(DOMAIN, terms)))
  }
  return { account, wallet, refusing, refusal }
}

export type FakeWallet = ReturnType<typeof fakeWallet>

/** A chain whose every address is a plain account, and that answers nothing else: signatures are checked without it. */
const plainAccountsChain = createClient({
  chain: { id: CHAIN.id, name: CHAIN.name, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] } } },
  transport: custom({ request: (({ method }: { method: string }) => (method === 'eth_getCode' ? Promise.resolve('0x') : Promise.reject(new Error(`no ${method} here`)))) as EIP1193RequestFn })
}) as unknown as ChainClient

/** A ledger: published keys, grants and visit records, written by whichever wallet is connected. */
export function fakeLedger(happened: Happening[]) {
  const keys = new Map<string, Hex>()
  return {
    keys,
    /**
     * The ledger as `wallet`'s app sees it. `lies` are registry answers its chain provider makes
     * up, by user address in lower case: what the app reads for them instead of what is registered.
     */
    as(signer: FakeWallet, lies: ReadonlyMap<string, Hex | null> = new Map()): VisitLedger {
      const { account, refusing, refusal } = signer
      return {
        chain: CHAIN,
        readEncryptionKey: (user) => Promise.resolve(lies.has(user.toLowerCase()) ? (lies.get(user.toLowerCase()) ?? null) : (keys.get(user.toLowerCase()) ?? null)),
        publishEncryptionKey: (publicKey) => {
          if (refusing.has('publish')) return Promise.reject(refusal('register the encryption key'))
          const key = bytesToHex(publicKey)
          keys.set(account.address.toLowerCase(), key)
          happened.push({ what: 'publish-key', user: account.address, key })
          return Promise.resolve()
        },
        grant: ({ doctor, expiry, scope }) => {
          if (refusing.has('grant')) return Promise.reject(refusal('grant access'))
          happened.push({ what: 'grant', patient: account.address, doctor, expiry, scope })
          return Promise.resolve({ transactionHash: `0x${'ab'.repeat(32)}` })
        },
        logVisit: (patient) => {
          if (refusing.has('log-visit')) return Promise.reject(refusal('record the visit'))
          happened.push({ what: 'log-visit', doctor: account.address, patient })
          return Promise.resolve()
        },
        verifyVisitRequest: (terms) => verifyVisitRequest(plainAccountsChain, DOMAIN, terms)
      }
    }
  }
}

/** What the fake patient history wraps: the reader's key and the categories, readable by the fake doctor's history. */
interface FakeWrapped {
  reader: Hex
  categories: number[]
}

export const encodeWrapped = (wrapped: FakeWrapped): Uint8Array => new TextEncoder().encode(JSON.stringify(wrapped))
const decodeWrapped = (bytes: Uint8Array): FakeWrapped => JSON.parse(new TextDecoder().decode(bytes)) as FakeWrapped

export const HISTORY_ADDRESS = '/orbitdb/zdpuPatientHistory'

/** The patient's history session: locked until unlocked (unless told it cannot open). */
export function fakePatientHistory({ open = true, opensOnUnlock = true, keepers = [] as readonly AnswerKeeper[] } = {}) {
  let isOpen = open
  const calls = { unlocks: 0 }
  const port: PatientHistoryPort = {
    unlock: () => {
      calls.unlocks++
      if (opensOnUnlock) isOpen = true
      return Promise.resolve()
    },
    own: () =>
      isOpen
        ? {
            address: HISTORY_ADDRESS,
            wrapFor: (key, categories) => Promise.resolve(encodeWrapped({ reader: bytesToHex(key), categories: [...categories] })),
            keepers: () => keepers
          }
        : undefined
  }
  return { port, calls }
}

/** What the fake doctor's history opened: the categories the wrapped keys open, from which device. */
export interface FakeReading {
  patient: string
  peer: string
  /** The wallet the peer was said to prove (a keeper's), if any. */
  holder?: string
  categories: number[]
  closed: boolean
  reconnect(): Promise<void>
  close(): Promise<void>
}

/** The doctor's history session: keys opened on unlock (or failing), prefetches and readings recorded. */
export function fakeDoctorHistory({
  unlocked = false,
  unlockError,
  emergencyKeys = {},
  foreignKeys = []
}: { unlocked?: boolean; unlockError?: string; emergencyKeys?: Record<string, number[]>; foreignKeys?: readonly string[] } = {}) {
  const publicKey = hexToBytes(`0x${'5a'.repeat(32)}`)
  let isUnlocked = unlocked
  const calls = { unlocks: 0 }
  const prefetches: { patient: string; peer: string; dropped: boolean }[] = []
  const readings: FakeReading[] = []
  const takes: { patient: string; keeper: string }[] = []
  const port: DoctorHistoryPort<FakeReading> = {
    // The keys a guardian left with each keeper (by address), for the emergency categories given.
    takeEmergencyKeys: (patient, keeper) => {
      takes.push({ patient, keeper })
      const categories = emergencyKeys[keeper]
      if (categories === undefined) return Promise.reject(new Error('This keeper holds no keys for you from the patient\'s guardian'))
      // A keeper in `foreignKeys` answers with keys wrapped for someone else.
      return Promise.resolve(encodeWrapped({ reader: foreignKeys.includes(keeper) ? `0x${'11'.repeat(32)}` : bytesToHex(publicKey), categories }))
    },
    unlock: () => {
      calls.unlocks++
      if (unlockError === undefined) isUnlocked = true
      return Promise.resolve()
    },
    encryptionPublicKey: () => (isUnlocked ? publicKey : undefined),
    unlockFailure: () => unlockError,
    prefetchPatient: (patient, peer) => {
      const prefetch = { patient, peer, dropped: false }
      prefetches.push(prefetch)
      return () => {
        prefetch.dropped = true
        return Promise.resolve()
      }
    },
    readPatient: (patient, wrappedKeys, peer, reconnect, holder) => {
      const wrapped = decodeWrapped(wrappedKeys)
      // As the real keys: only the reader they were wrapped for can open them.
      if (wrapped.reader !== bytesToHex(publicKey)) return Promise.reject(new Error('These keys were not wrapped for this device.'))
      const reading: FakeReading = {
        patient,
        peer,
        ...(holder === undefined ? {} : { holder }),
        categories: wrapped.categories,
        closed: false,
        reconnect,
        close: () => {
          reading.closed = true
          return Promise.resolve()
        }
      }
      readings.push(reading)
      return Promise.resolve(reading)
    }
  }
  return { port, publicKey, calls, prefetches, readings, takes }
}

/** A visit context for one side, as the app's ready() gives it. */
export function contextFor(signer: FakeWallet, ledger: VisitLedger, channel: VisitChannel, relays: readonly string[] = [RELAY]): VisitContext {
  return { wallet: signer.wallet, ledger, channel, relays }
}
