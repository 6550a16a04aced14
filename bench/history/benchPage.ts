// The page bench/history.ts drives in headless Chromium: one browser plays the patient,
// another the doctor, as the app would (startP2PNode, IndexedDB, WebRTC through the relay).
// It exposes window.historyBench; every figure is measured here, in the page.
import { withBitswap } from '@helia/bitswap'
import { hexToBytes } from '@noble/hashes/utils.js'
import { createOrbitDB, IPFSAccessController } from '@orbitdb/core'
import {
  secp256k1Signer,
  currentKey,
  firstEpochKeyring,
  decodeWrappedKey,
  deriveWalletKeys,
  encodeWrappedKey,
  wrapDataKey,
  type EpochKeyring,
  type SigningDomain,
  type WalletKeys
} from '../../src/crypto/index.ts'
import { openPatientHistory, readerKeyring, type PatientHistory } from '../../src/history/index.ts'
import { bloodPressureSeries } from '../../test/fixtures/recordFixtures.ts'
import { createWalletIdentity, startHistoryOrbit, startP2PNode, type P2PNode, type PatientLog } from '../../src/p2p/index.ts'

/** A person as the Node side hands them over: the two wallet signatures, as hex. */
export interface BenchPerson {
  address: string
  /** The wallet's signature over keyDerivationTypedData (key version 1). */
  keySignature: string
  /** The wallet's signature over identityBindingTypedData for the derived identity key. */
  binding: string
  /** The origin and deployment both signatures name. */
  domain: SigningDomain
}

interface PageState {
  log?: PatientLog
  node?: P2PNode
  keys?: WalletKeys
  keyring?: EpochKeyring
  history?: PatientHistory
}

const state: PageState = {}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not set up`)
  return value
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, every = 10): Promise<void> {
  const start = performance.now()
  while (!(await condition())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, every))
  }
}

const api = {
  /** Starts the node on the relay and waits for the reservation; returns this page's circuit address. Stock OrbitDB's pages add bitswap, which it fetches by. */
  async start(relay: string, storageName: string, stock = false): Promise<string> {
    const node = await startP2PNode({ relays: [relay], storageName, ...(stock ? { stockBlockExchange: withBitswap } : {}) })
    state.node = node
    await until(() => node.status().relay.state === 'reserved', 20_000)
    return need(node.status().relay.circuitAddress, 'the circuit address')
  },

  /** Opens `patient`'s history as `who`; the patient makes a keyring, a doctor unwraps the one shared with them. */
  async openHistory(who: BenchPerson, patient: string, wrapped?: string): Promise<string> {
    const node = need(state.node, 'the node')
    const keys = deriveWalletKeys(hexToBytes(who.keySignature.slice(2)))
    state.keys = keys
    const identity = createWalletIdentity({ address: who.address, signer: secp256k1Signer(keys.identity.secretKey), binding: who.binding, keyVersion: 1, domain: who.domain })
    // The bench's doctor holds a live grant: both sides let the other sync.
    const orbit = await startHistoryOrbit({ node, identity, canWrite: () => Promise.resolve(false), canSync: () => Promise.resolve(true) })
    const keyring = wrapped === undefined ? firstEpochKeyring(keys.encryption.secretKey, patient) : readerKeyring([decodeWrappedKey(hexToBytes(wrapped))], keys.encryption.secretKey)
    state.keyring = keyring
    const log = await orbit.openLog(patient)
    state.log = log
    state.history = openPatientHistory({ log, keyring })
    return state.history.address
  },

  /** The patient wraps the current data key for a doctor's X25519 public key (hex). */
  wrapFor(encryptionPublicKey: string): string {
    const { epoch, key } = currentKey(need(state.keyring, 'the keyring'))
    const wrapped = encodeWrappedKey(wrapDataKey(key, hexToBytes(encryptionPublicKey), epoch))
    return Array.from(wrapped, (b) => b.toString(16).padStart(2, '0')).join('')
  },

  encryptionPublicKey(): string {
    return Array.from(need(state.keys, 'the keys').encryption.publicKey, (b) => b.toString(16).padStart(2, '0')).join('')
  },

  /** Adds `count` records in one batch; returns the milliseconds it took. */
  async write(patient: string, count: number, offset = 0): Promise<number> {
    const history = need(state.history, 'the history')
    const records = bloodPressureSeries(patient, offset + count).slice(offset)
    const start = performance.now()
    await history.addMany(records)
    return performance.now() - start
  },

  /** Dials the other page; from the direct connection until `count` records are decrypted here. */
  async replicate(circuitAddress: string, count: number): Promise<{ dialMs: number; replicateMs: number }> {
    const node = need(state.node, 'the node')
    const history = need(state.history, 'the history')
    const dialStart = performance.now()
    const { direct } = await node.dial(circuitAddress)
    if (!direct) throw new Error('no direct WebRTC connection')
    const start = performance.now()
    const timeline: string[] = []
    const stop = history.subscribe((change) => timeline.push(`${Math.round(performance.now() - start)}:${change.added.length}`))
    const stopLog = need(state.log, 'the log').subscribe((event) => {
      if (event.type !== 'added') timeline.push(`${Math.round(performance.now() - start)}:${event.type}${event.type === 'sync-error' ? `(${event.error})` : ''}`)
    })
    node.libp2p.addEventListener('connection:open', () => timeline.push(`${Math.round(performance.now() - start)}:conn`))
    try {
      await until(() => history.entries().length >= count, 60_000, 5)
    } catch (error) {
      console.log('stuck', history.entries().length, need(state.log, 'the log').entries().length, timeline.join(' '))
      throw error
    }
    stop()
    stopLog()
    if (new URLSearchParams(location.search).has('timeline')) console.log('timeline', timeline.join(' '))
    return { dialMs: start - dialStart, replicateMs: performance.now() - start }
  },

  /** Stock OrbitDB, plaintext events, one add at a time: the figure the issue started from. */
  async stockWrite(patient: string, count: number): Promise<{ ms: number; address: string; oldest: string }> {
    const node = need(state.node, 'the node')
    const orbitdb = await createOrbitDB({ ipfs: node.helia, id: 'stock-writer', directory: 'stock-writer' })
    const db = await orbitdb.open('stock-history', { type: 'events', AccessController: IPFSAccessController({ write: ['*'] }) })
    const records = bloodPressureSeries(patient, count)
    const start = performance.now()
    let oldest = ''
    for (const record of records) {
      const hash = await db.add(record)
      if (oldest === '') oldest = hash
    }
    return { ms: performance.now() - start, address: db.address, oldest }
  },

  /** Dials the stock writer; from the direct connection until its oldest entry (joined last) is in the log here. */
  async stockReplicate(circuitAddress: string, address: string, oldest: string): Promise<{ dialMs: number; replicateMs: number }> {
    const node = need(state.node, 'the node')
    const orbitdb = await createOrbitDB({ ipfs: node.helia, id: 'stock-reader', directory: 'stock-reader' })
    const dialStart = performance.now()
    const { direct } = await node.dial(circuitAddress)
    if (!direct) throw new Error('no direct WebRTC connection')
    const start = performance.now()
    // A stock reader needs the manifest from the writer before it can open the log.
    const db = await orbitdb.open(address)
    db.events.on('error', () => undefined)
    await until(() => db.log.has(oldest), 300_000, 20)
    return { dialMs: start - dialStart, replicateMs: performance.now() - start }
  }
}

export type HistoryBenchApi = typeof api

;(window as unknown as { historyBench: HistoryBenchApi }).historyBench = api
