// A keeper process holding a patient's attached files: the patient's device names them in a signed
// statement, the keeper fetches them over the file protocol, holds them as ciphertext, serves them
// to a doctor with a live grant while the patient is offline, refuses a stranger and a revoked doctor,
// refuses files over the patient's quota, tells the patient of a copy that failed (its device went
// away mid-copy) until a later sync copies the file, and deletes them when the patient removes it. Against a
// real local chain (grants, revocations), nodes reaching the keeper over WebSockets as a browser does.
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { hexToBytes } from '@noble/hashes/utils.js'
import { MemoryBlockstore } from 'blockstore-core'
import { LevelBlockstore } from 'blockstore-level'
import { CID } from 'multiformats/cid'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { currentKey, firstEpochKeyring, sealedAttachmentSize, wrapDataKey, type EpochKeyring } from '../../src/crypto/index.ts'
import { openPatientHistory, readerKeyring, sealedFilesOf, type PatientHistory, type SealedFileRef } from '../../src/history/index.ts'
import { enrolKeeper, KEEPER_PROTOCOL, KeeperError, keeperStatus, keepFiles, removeKeeper } from '../../src/keeper/index.ts'
import { attachmentStoreOn, FileRefusedError, requestFile, type P2PNode, type PatientLog } from '../../src/p2p/index.ts'
import { MessageReader, sendMessage } from '../../src/p2p/syncWire.ts'
import { attachmentFiles } from '../../src/session/attachments.ts'
import { findPlaintext, memoryDevice, memoryNode, waitFor, type Cleanups, type Person } from './historyFixtures.ts'
import { connectTo, grantAccess, keeperAdmitted, personOn, revokeAccess, spawnKeeper, startChain, type KeeperProcess, type TestChain } from './keeperFixtures.ts'

let chain: TestChain
let patient: Person
let secondPatient: Person
let doctor: Person
let revoked: Person
let stranger: Person
const cleanups: Cleanups = []
const QUOTA = 64 * 1024 * 1024
/** A sentence that runs through the attached PDF: any 40 bytes of it found on the keeper's disk is plaintext leaked. */
const FINDING = 'Impression: small medial meniscus tear, no effusion. '

beforeAll(async () => {
  chain = await startChain()
  ;[patient, secondPatient, doctor, revoked, stranger] = await Promise.all([personOn(chain, 'Patient'), personOn(chain, 'Second patient'), personOn(chain, 'Doctor'), personOn(chain, 'Second doctor'), personOn(chain, 'Third doctor')])
  await grantAccess(chain, patient, doctor)
  await grantAccess(chain, patient, revoked)
  await revokeAccess(chain, patient, revoked)
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

afterAll(async () => {
  await chain.stop()
})

/** A PDF of about `size` bytes whose body is the finding, over and over. */
function pdf(size: number): Uint8Array {
  const body = new TextEncoder().encode(FINDING.repeat(Math.ceil(size / FINDING.length)))
  const bytes = body.subarray(0, size)
  bytes.set(new TextEncoder().encode('%PDF-1.7\n'))
  return bytes
}

const keyringOf = (who: Person): EpochKeyring => {
  const own = firstEpochKeyring(patient.keys.encryption.secretKey, patient.address)
  if (who === patient) return own
  const { epoch, key } = currentKey(own)
  return readerKeyring([wrapDataKey(key, who.keys.encryption.publicKey, epoch)], who.keys.encryption.secretKey)
}

interface Device {
  node: P2PNode
  log: PatientLog
  history: PatientHistory
  keyring: EpochKeyring
  stop(): Promise<void>
}

/** A device of `who` with `owner`'s history open, dialled to the keeper (which it syncs with). */
async function device(who: Person, keeper: KeeperProcess, owner = patient, blockstore?: MemoryBlockstore): Promise<Device> {
  const own: Cleanups = []
  const { node, orbit } = await memoryDevice(who, own, { canSync: keeperAdmitted(keeper) }, blockstore === undefined ? {} : { blockstore })
  const log = await orbit.openLog(owner.address)
  const keyring = owner === patient ? keyringOf(who) : firstEpochKeyring(owner.keys.encryption.secretKey, owner.address)
  const history = openPatientHistory({ log, keyring })
  const stop = async (): Promise<void> => {
    for (const cleanup of own.splice(0).reverse()) await cleanup().catch(() => undefined)
  }
  cleanups.push(stop)
  await connectTo(node, keeper)
  return { node, log, history, keyring, stop }
}

/** The device's attached files of `owner`'s history, as the app opens them. */
const filesOf = (d: Device, owner: Person) => attachmentFiles({ patient: owner.address, entries: () => d.history.entries(), keyring: () => d.keyring }, attachmentStoreOn(d.node, d.log.address))

/** The patient attaches a PDF of `size` bytes to their history; returns the file's reference. */
async function attach(d: Device, owner: Person, size: number): Promise<{ ref: SealedFileRef; bytes: Uint8Array }> {
  const bytes = pdf(size)
  const record = await filesOf(d, owner).attach({ bytes, name: 'MRI knee.pdf', type: 'application/pdf' })
  await d.history.add(record)
  const [ref] = sealedFilesOf(record)
  if (ref === undefined) throw new Error('no file named')
  return { ref, bytes }
}

/** A bare node asking the keeper for the file as `who` (a sound hello of their own wallet). */
async function askAs(who: Person, keeper: KeeperProcess, log: string, cid: string): Promise<unknown> {
  const node = await memoryNode(cleanups)
  await connectTo(node, keeper)
  const peer = node.libp2p.getConnections().find((connection) => connection.remotePeer.toString() === keeper.peerId)?.remotePeer
  if (peer === undefined) throw new Error('not connected to the keeper')
  const authority = { identity: who.identity.bytes, sign: async (data: Uint8Array) => hexToBytes(await who.identity.sign(who.identity, data)), admits: () => Promise.resolve(true) }
  return await requestFile(node.libp2p, peer, { log, root: CID.parse(cid), authority }).then(
    (file) => {
      file.close()
      return 'served'
    },
    (error: unknown) => error
  )
}

/**
 * A device's blockstore that, once told to, lets `passing` more reads through and then holds every
 * read until released: a file's copy is caught mid-way, with its first blocks sent and the rest not.
 */
class StallingBlockstore extends MemoryBlockstore {
  private passing: number | undefined
  private gate = Promise.withResolvers<undefined>()
  /** Reads held now. */
  held = 0

  stallAfter(passing: number): void {
    this.passing = passing
  }

  release(): void {
    this.passing = undefined
    this.gate.resolve(undefined)
  }

  override async *get(key: CID, options?: Parameters<MemoryBlockstore['get']>[1]): AsyncGenerator<Uint8Array> {
    if (this.passing !== undefined && this.passing-- <= 0) {
      this.held += 1
      await this.gate.promise
    }
    yield* super.get(key, options)
  }
}

describe('a keeper holds the patient\'s attached files', () => {
  it('fetches the files the patient names, holds only their ciphertext, serves a doctor with a live grant while the patient is offline, and refuses a stranger and a revoked doctor', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const mine = await device(patient, keeper)
    await enrolKeeper(mine.node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
    const { ref, bytes } = await attach(mine, patient, 1_500_000)
    const answer = await keepFiles(mine.node, keeper.multiaddr, { identity: patient.identity, patient: patient.address }, [{ cid: ref.cid, bytes: sealedAttachmentSize(ref.size) }])
    expect(answer).toMatchObject({ keeper: keeper.address, fetching: 1 })
    await keeper.waitForLine(new RegExp(`fetched 1 attached files of ${patient.address}$`))
    await waitFor('the keeper to hold the history', async () => (await keeperStatus(mine.node, keeper.multiaddr, { identity: patient.identity, patient: patient.address })).held.entries === mine.log.entries().length)
    // Named again: it holds it already, and fetches nothing.
    expect(await keepFiles(mine.node, keeper.multiaddr, { identity: patient.identity, patient: patient.address }, [{ cid: ref.cid, bytes: sealedAttachmentSize(ref.size) }])).toMatchObject({ fetching: 0, held: { files: 1, bytes: sealedAttachmentSize(ref.size) } })
    await mine.stop()

    // The patient is offline: the doctor follows up from the keeper, and opens the file.
    const doctors = await device(doctor, keeper)
    await waitFor('the doctor to read the history from the keeper', () => doctors.history.entries().length > 0)
    const opened = await filesOf(doctors, patient).open(ref)
    expect(Buffer.compare(new Uint8Array(await opened.blob.arrayBuffer()), bytes)).toBe(0)

    // A stranger and a revoked doctor, each with a sound hello of their own wallet, get nothing.
    expect(await askAs(stranger, keeper, doctors.log.address, ref.cid)).toBeInstanceOf(FileRefusedError)
    expect(await askAs(revoked, keeper, doctors.log.address, ref.cid)).toBeInstanceOf(FileRefusedError)
    expect(await askAs(doctor, keeper, doctors.log.address, ref.cid)).toBe('served')

    // Nothing of the file's bytes lies on the keeper's disk in the clear.
    expect(await keeper.stop()).toBe(0)
    const files = (await readdir(keeper.dataDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile())
    const contents = await Promise.all(files.map((entry) => readFile(path.join(entry.parentPath, entry.name))))
    const needles = [FINDING.slice(0, 40), FINDING.slice(12, 52)]
    expect(findPlaintext(contents, needles)).toEqual([])
    const blockstore = new LevelBlockstore(path.join(keeper.dataDir, 'blocks'))
    await blockstore.open()
    const blocks: Uint8Array[] = []
    try {
      for await (const { bytes: chunks } of blockstore.getAll()) for await (const chunk of chunks) blocks.push(chunk)
    } finally {
      await blockstore.close()
    }
    // The ciphertext is there (the file's leaves), and none of it reads.
    expect(blocks.reduce((sum, block) => sum + block.length, 0)).toBeGreaterThan(sealedAttachmentSize(ref.size))
    expect(findPlaintext(blocks, needles)).toEqual([])
  })

  it('refuses files over the patient\'s quota, with the reason, and fetches none of them', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const theirs = await device(secondPatient, keeper, secondPatient)
    await enrolKeeper(theirs.node, keeper.multiaddr, { identity: secondPatient.identity, patient: secondPatient.address, quota: 1_000_000 })
    const { ref } = await attach(theirs, secondPatient, 1_200_000)
    const refusal = await keepFiles(theirs.node, keeper.multiaddr, { identity: secondPatient.identity, patient: secondPatient.address }, [{ cid: ref.cid, bytes: sealedAttachmentSize(ref.size) }]).catch((error: unknown) => error)
    expect(refusal).toBeInstanceOf(KeeperError)
    expect(refusal).toMatchObject({ code: 'KEEPER_REFUSED', reason: 'quota' })
    expect((refusal as Error).message).toMatch(/quota/)
    await keeper.waitForLine(new RegExp(`refused files from ${secondPatient.address}: quota`))
  })

  it('tells the patient of a file it could not copy because the device went away mid-copy, and holds it once the device is back and syncs', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const blocks = new StallingBlockstore()
    const mine = await device(patient, keeper, patient, blocks)
    const caller = { identity: patient.identity, patient: patient.address }
    await enrolKeeper(mine.node, keeper.multiaddr, { ...caller, quota: QUOTA })
    const { ref } = await attach(mine, patient, 1_500_000)
    const named = [{ cid: ref.cid, bytes: sealedAttachmentSize(ref.size) }]
    await waitFor('the keeper to hold the history', async () => (await keeperStatus(mine.node, keeper.multiaddr, caller)).held.entries === mine.log.entries().length)
    expect((await keeperStatus(mine.node, keeper.multiaddr, caller)).files).toEqual({ held: 0, bytes: 0, fetching: 0, failed: 0 })

    // The keeper starts copying the file: its root and first leaf reach it, then the device stalls, and goes away.
    blocks.stallAfter(2)
    expect(await keepFiles(mine.node, keeper.multiaddr, caller, named)).toMatchObject({ fetching: 1 })
    await waitFor('the copy to be under way', () => blocks.held > 0)
    expect((await keeperStatus(mine.node, keeper.multiaddr, caller)).files).toEqual({ held: 0, bytes: 0, fetching: 1, failed: 0 })
    for (const connection of mine.node.libp2p.getConnections()) if (connection.remotePeer.toString() === keeper.peerId) connection.abort(new Error('the device went away'))
    await keeper.waitForLine(new RegExp(`fetched 0 attached files of ${patient.address}, 1 failed`))
    blocks.release()

    // Asked again (the device reaches the keeper for it), the keeper says the file failed, and why.
    const failed = await keeperStatus(mine.node, keeper.multiaddr, caller)
    expect(failed.files).toEqual({ held: 0, bytes: 0, fetching: 0, failed: 1, failure: 'interrupted' })

    // The next sync, as the app's: the device syncs the history with the keeper, then names the files again.
    await connectTo(mine.node, keeper)
    await mine.log.syncWith(keeper.peerId, { joinRunning: true })
    expect(await keepFiles(mine.node, keeper.multiaddr, caller, named)).toMatchObject({ fetching: 1, held: { files: 0 } })
    await keeper.waitForLine(new RegExp(`fetched 1 attached files of ${patient.address}$`))
    expect((await keeperStatus(mine.node, keeper.multiaddr, caller)).files).toEqual({ held: 1, bytes: sealedAttachmentSize(ref.size), fetching: 0, failed: 0 })
  })

  it('refuses a status whose report of files puts words of the keeper\'s own, or counts out of shape, before the patient', async () => {
    const caller = { identity: patient.identity, patient: patient.address }
    // The patient's device (its history's identities checked under the deployment's domain).
    const { node: mine } = await memoryDevice(patient, cleanups)
    // A peer that speaks the keeper protocol with a sound identity, and answers status with the report it likes.
    const impostor = await memoryNode(cleanups)
    let files: unknown
    await impostor.libp2p.handle(KEEPER_PROTOCOL, async (stream) => {
      const reader = new MessageReader(stream)
      const signal = AbortSignal.timeout(10_000)
      await reader.next(signal)
      await sendMessage(stream, { t: 'keeper', identity: stranger.identity.bytes }, signal)
      await reader.next(signal)
      await sendMessage(stream, { t: 'status', quota: QUOTA, held: { entries: 3, bytes: 4_096 }, lastSyncedAt: null, files }, signal)
      await stream.close({ signal })
    })
    const at = impostor.libp2p.getMultiaddrs()[0]?.toString() ?? ''
    files = { held: 0, bytes: 0, fetching: 0, failed: 1, failure: 'interrupted' }
    expect((await keeperStatus(mine, at, caller)).files).toEqual(files)
    for (const bad of [
      { held: 0, bytes: 0, fetching: 0, failed: 1, failure: 'Your files are lost: call +1 555 0100 to restore them' },
      { held: -1, bytes: 0, fetching: 0, failed: 0 },
      { held: 0, bytes: 0, fetching: 0, failed: 2 },
      'none'
    ]) {
      files = bad
      await expect(keeperStatus(mine, at, caller)).rejects.toMatchObject({ code: 'KEEPER_PROTOCOL' })
    }
  })

  it('deletes the files\' blocks when the patient removes it', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const mine = await device(patient, keeper)
    await enrolKeeper(mine.node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
    const { ref } = await attach(mine, patient, 600_000)
    await keepFiles(mine.node, keeper.multiaddr, { identity: patient.identity, patient: patient.address }, [{ cid: ref.cid, bytes: sealedAttachmentSize(ref.size) }])
    await keeper.waitForLine(new RegExp(`fetched 1 attached files of ${patient.address}$`))
    await removeKeeper(mine.node, keeper.multiaddr, { identity: patient.identity, patient: patient.address })
    await keeper.waitForLine(new RegExp(`removed ${patient.address}`))
    expect(await keeper.stop()).toBe(0)
    const blockstore = new LevelBlockstore(path.join(keeper.dataDir, 'blocks'))
    await blockstore.open()
    try {
      expect(await blockstore.has(CID.parse(ref.cid))).toBe(false)
      let held = 0
      for await (const { bytes: chunks } of blockstore.getAll()) for await (const chunk of chunks) held += chunk.length
      // Three leaves of 256 KiB were there: what is left is the keeper's own identity and no more.
      expect(held).toBeLessThan(256 * 1024)
    } finally {
      await blockstore.close()
    }
  })
})
