// Peers after a patient's blocks, run against a patient's node holding a history and an attached
// file: no block is handed out by its CID alone. The attackers are bare nodes speaking the wire by
// hand (the file protocol, bitswap), strangers knowing only the patient's peer id and the CIDs, and
// a doctor whose grant was revoked. Afterwards the doctor whose grant is live reads the file as before.
import { hexToBytes } from '@noble/hashes/utils.js'
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { attachmentStoreOn, authStatement, FILE_PROTOCOL, type P2PNode, type WalletIdentity } from '../../src/p2p/index.ts'
import { parseHash, readBlock } from '../../src/p2p/blocks.ts'
import { MessageReader, sendMessage } from '../../src/p2p/syncWire.ts'
import { walletIdentityOf } from '../support/walletSignatures.ts'
import { connect, memoryDevice, memoryNode, person, type Person } from './historyFixtures.ts'
import type { PeerId } from '@libp2p/interface'

let patient: Person
let doctor: Person
let revoked: Person
const RAW = 0x55
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  patient = await person('Patient')
  doctor = await person('Doctor')
  revoked = await person('Second doctor')
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

interface PatientDevice {
  node: P2PNode
  address: string
  /** The attached file's root CID. */
  file: CID
  /** The file's sealed chunks, and the CIDs of the leaf blocks that hold them. */
  chunks: Uint8Array[]
  leaves: CID[]
  /** A block of the history's log (an entry). */
  logBlock: CID
  /** The grant of the second doctor is revoked from now on. */
  revoke(): void
}

/** The patient's node: a history with one entry and a sealed file of three chunks; it syncs with the doctor, and with the second doctor until revoked. */
async function patientWithFile(): Promise<PatientDevice> {
  let secondLive = true
  const canSync = (wallet: string): Promise<boolean> => Promise.resolve(wallet.toLowerCase() === doctor.address || (secondLive && wallet.toLowerCase() === revoked.address))
  const { node, orbit } = await memoryDevice(patient, cleanups, { canSync, cacheMs: 0 })
  const log = await orbit.openLog(patient.address)
  await log.append([new Uint8Array([1, 2, 3])])
  const entry = parseHash(log.heads()[0] ?? '')
  if (entry === undefined) throw new Error('no entry written')
  const chunks = [0, 1, 2].map((i) => new Uint8Array(randomBytes(i === 2 ? 500 : 256 * 1024 + 16)))
  const file = CID.parse(await attachmentStoreOn(node, log.address).put(chunks))
  const leaves = await Promise.all(chunks.map(async (chunk) => CID.createV1(RAW, await sha256.digest(chunk))))
  return { node, address: log.address, file, chunks, leaves, logBlock: entry, revoke: () => (secondLive = false) }
}

async function strangersIdentity(): Promise<WalletIdentity> {
  return (await walletIdentityOf(privateKeyToAccount(generatePrivateKey()))).identity
}

/** A request for `cid` as `identity` would send it on the connection from `from` to `to`, signed as the sync's puller hello. */
async function requestAs(identity: WalletIdentity, log: string, cid: CID, from: PeerId, to: PeerId): Promise<Record<string, unknown>> {
  const signature = hexToBytes(await identity.sign(identity, authStatement(log, from, to, 'puller')))
  return { t: 'get', log, cid: cid.bytes, window: 16, identity: identity.bytes, signature }
}

/** Every message the patient's node sends back to one request (until it closes the stream or cuts it off). */
async function answersTo(p: PatientDevice, node: P2PNode, request: Record<string, unknown>): Promise<unknown[]> {
  const stream = await node.libp2p.dialProtocol(p.node.libp2p.peerId, FILE_PROTOCOL)
  const reader = new MessageReader(stream)
  await sendMessage(stream, request)
  const answers: unknown[] = []
  try {
    for (let message = await reader.next(); message !== undefined; message = await reader.next()) answers.push(message)
  } catch {
    // Cut off: what it was sent before stays in `answers`.
  }
  return answers
}

/** The doctor whose grant is live reads the whole file from the patient's node, as before the attack. */
async function doctorStillReads(p: PatientDevice): Promise<void> {
  const { node, orbit } = await memoryDevice(doctor, cleanups, { canSync: (wallet) => Promise.resolve(wallet.toLowerCase() === patient.address) })
  const log = await orbit.openLog(patient.address)
  await connect(node, p.node)
  let bytes = 0
  for await (const piece of attachmentStoreOn(node, log.address).read(p.file.toString())) bytes += piece.length
  expect(bytes).toBe(2 * (256 * 1024 + 16) + 500)
}

describe('a stranger who knows the patient\'s peer id and the CIDs', () => {
  it('asks for the attached file by its CID and is refused, with not one block', async () => {
    const p = await patientWithFile()
    const node = await memoryNode(cleanups)
    await connect(node, p.node)
    const answers = await answersTo(p, node, await requestAs(await strangersIdentity(), p.address, p.file, node.libp2p.peerId, p.node.libp2p.peerId))
    expect(answers).toEqual([{ t: 'error', reason: 'refused' }])
    await doctorStillReads(p)
  })

  it('asks for a block of the history\'s log by its CID, over bitswap and over the file protocol, and gets nothing', async () => {
    const p = await patientWithFile()
    const node = await memoryNode(cleanups)
    await connect(node, p.node)
    // No node answers bitswap: no block is served by its CID alone.
    for (const protocol of ['/ipfs/bitswap/1.2.0', '/ipfs/bitswap/1.1.0', '/ipfs/bitswap/1.0.0']) {
      await expect(node.libp2p.dialProtocol(p.node.libp2p.peerId, protocol)).rejects.toThrow()
    }
    // The file protocol serves files' roots only (dag-pb): a log block's CID breaks it, and the stranger is cut off.
    const answers = await answersTo(p, node, await requestAs(await strangersIdentity(), p.address, p.logBlock, node.libp2p.peerId, p.node.libp2p.peerId))
    expect(answers).toEqual([])
    expect(p.node.conduct.heldOff(node.libp2p.peerId)).toBe(true)
    await doctorStillReads(p)
  })

  it('replays a doctor\'s genuine request made for another connection, and is cut off and held off', async () => {
    const p = await patientWithFile()
    const node = await memoryNode(cleanups)
    const doctorsNode = await memoryNode(cleanups)
    await connect(node, p.node)
    const replayed = await requestAs(doctor.identity, p.address, p.file, doctorsNode.libp2p.peerId, p.node.libp2p.peerId)
    expect(await answersTo(p, node, replayed)).toEqual([])
    expect(p.node.conduct.heldOff(node.libp2p.peerId)).toBe(true)
    await doctorStillReads(p)
  })
})

describe('a doctor whose grant was revoked', () => {
  it('read the file while the grant was live, and is refused it once revoked', async () => {
    const p = await patientWithFile()
    const node = await memoryNode(cleanups)
    await connect(node, p.node)
    const ask = async (): Promise<unknown[]> => answersTo(p, node, await requestAs(revoked.identity, p.address, p.file, node.libp2p.peerId, p.node.libp2p.peerId))
    const live = await ask()
    // Root, three leaves, end.
    expect(live).toHaveLength(5)
    expect(live.at(-1)).toEqual({ t: 'end' })
    p.revoke()
    expect(await ask()).toEqual([{ t: 'error', reason: 'refused' }])
    await doctorStillReads(p)
  })
})

describe('a holder that alters a block', () => {
  it('is caught at the first block that does not match its CID: the reader gets nothing of the file, and holds the holder off', async () => {
    const p = await patientWithFile()
    // The holder answers as the patient's node would, with one byte of a leaf changed.
    const holder = await memoryNode(cleanups)
    await holder.libp2p.unhandle(FILE_PROTOCOL)
    await holder.libp2p.handle(FILE_PROTOCOL, async (stream) => {
      const reader = new MessageReader(stream)
      await reader.next()
      const root = await readBlock(p.node.blockstore, p.file)
      const [leaf] = p.leaves
      const [chunk] = p.chunks
      if (root === undefined || leaf === undefined || chunk === undefined) throw new Error('no file stored')
      await sendMessage(stream, { t: 'block', cid: p.file.bytes, block: root })
      const altered = chunk.slice()
      altered[100] = (altered[100] ?? 0) ^ 1
      await sendMessage(stream, { t: 'block', cid: leaf.bytes, block: altered })
      await reader.next().catch(() => undefined)
    })
    const { node, orbit } = await memoryDevice(doctor, cleanups)
    const log = await orbit.openLog(patient.address)
    await connect(node, holder)
    let received = 0
    const read = (async () => {
      for await (const piece of attachmentStoreOn(node, log.address).read(p.file.toString())) received += piece.length
    })()
    await expect(read).rejects.toThrow()
    expect(received).toBe(0)
    expect(node.conduct.heldOff(holder.libp2p.peerId)).toBe(true)
  })
})
