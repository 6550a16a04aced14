// Enrolling a keeper, as a patient's device does it against a real keeper process on a real local
// chain: accepted under each of the operator's policies; refused (and nothing enrolled) for a
// patient not on the list, a wrong or taken code, a replayed statement, a statement for another
// keeper, a statement signed by another wallet's identity, and an unreachable keeper. Removal makes
// the keeper forget the history; a quota reached is reported.
import { hexToBytes } from '@noble/hashes/utils.js'
import { LevelBlockstore } from 'blockstore-level'
import { LevelDatastore } from 'datastore-level'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { firstEpochKeyring } from '../../src/crypto/index.ts'
import { openPatientHistory } from '../../src/history/index.ts'
import { enrolKeeper, KeeperError, keeperStatus, removeKeeper } from '../../src/keeper/index.ts'
import { encodeStatement, signedBytes, signStatement, type KeeperStatement } from '../../src/keeper/keeperStatement.ts'
import { parseHash } from '../../src/p2p/blocks.ts'
import { SyncRefusedError } from '../../src/p2p/syncProtocol.ts'
import { fixtureRecordsFor } from '../fixtures/recordFixtures.ts'
import { freePort } from '../../scripts/stack/ports.ts'
import { memoryDevice, waitFor, type Cleanups, type Person } from './historyFixtures.ts'
import { connectTo, keeperAdmitted, personOn, rawKeeperRequest, spawnKeeper, startChain, type TestChain } from './keeperFixtures.ts'
import type { WalletAddress } from '../../src/p2p/index.ts'

let chain: TestChain
let patient: Person
let secondPatient: Person
let doctor: Person
const cleanups: Cleanups = []
const QUOTA = 10 * 1024 * 1024

beforeAll(async () => {
  chain = await startChain()
  ;[patient, secondPatient, doctor] = await Promise.all([personOn(chain, 'Patient'), personOn(chain, 'Second patient'), personOn(chain, 'Doctor')])
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

afterAll(async () => {
  await chain.stop()
})

/** The reason of a KeeperError a call rejects with. */
async function refusal(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call
  } catch (error) {
    if (error instanceof KeeperError) return error.reason ?? error.code
    throw error
  }
  throw new Error('the keeper accepted')
}

/** A statement as the patient's client makes it, for the keeper at `keeper`, signed by `signer`. */
function statementFor(who: Person, keeper: { address: string; peerId: string }, changes: Partial<KeeperStatement> = {}): KeeperStatement {
  return { v: 1, kind: 'enrol', patient: who.address, keeper: keeper.address as WalletAddress, peer: keeper.peerId, quota: QUOTA, at: Date.now(), ...changes }
}

describe('enrolment', () => {
  it('a keeper that accepts anyone enrols the patient; its status names what it holds; a second enrolment changes the quota', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const { node } = await memoryDevice(patient, cleanups)
    const enrolled = await enrolKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
    expect(enrolled).toEqual({ keeper: keeper.address, peer: keeper.peerId, quota: QUOTA, held: { entries: 0, bytes: 0 } })
    await keeper.waitForLine(new RegExp(`enrolled ${patient.address} \\(quota ${QUOTA} bytes\\)`))
    const status = await keeperStatus(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address })
    expect(status).toEqual({ keeper: keeper.address, peer: keeper.peerId, quota: QUOTA, held: { entries: 0, bytes: 0 }, lastSyncedAt: null, files: { held: 0, bytes: 0, fetching: 0, failed: 0 } })
    await enrolKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: 2 * QUOTA })
    expect((await keeperStatus(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address })).quota).toBe(2 * QUOTA)
    // Another patient has no status there.
    const other = await memoryDevice(secondPatient, cleanups)
    expect(await refusal(keeperStatus(other.node, keeper.multiaddr, { identity: secondPatient.identity, patient: secondPatient.address }))).toBe('not-enrolled')
    // It stops cleanly on SIGTERM; its account is readable by its operator alone.
    expect(await keeper.stop()).toBe(0)
    expect((await stat(path.join(keeper.dataDir, 'keeper-account.key'))).mode & 0o777).toBe(0o600)
  })

  it('a keeper that keeps a list refuses a patient not on it, and enrols nothing', async () => {
    const keeper = await spawnKeeper(cleanups, { chain, accept: { list: [secondPatient.address] } })
    const { node } = await memoryDevice(patient, cleanups)
    expect(await refusal(enrolKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA }))).toBe('not-accepted')
    await keeper.waitForLine(new RegExp(`refused enrol from ${patient.address}: not-accepted`))
    expect(await refusal(keeperStatus(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address }))).toBe('not-enrolled')
    const listed = await memoryDevice(secondPatient, cleanups)
    await enrolKeeper(listed.node, keeper.multiaddr, { identity: secondPatient.identity, patient: secondPatient.address, quota: QUOTA })
  })

  it('a keeper that takes enrolment codes refuses a wrong code, and a code another patient took', async () => {
    const keeper = await spawnKeeper(cleanups, { chain, accept: { codes: ['WARD7-31F9-KX2A'] } })
    const { node } = await memoryDevice(patient, cleanups)
    expect(await refusal(enrolKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA, code: 'WARD7-0000-0000' }))).toBe('not-accepted')
    expect(await refusal(enrolKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA }))).toBe('not-accepted')
    expect(await refusal(keeperStatus(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address }))).toBe('not-enrolled')
    await enrolKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA, code: 'WARD7-31F9-KX2A' })
    const other = await memoryDevice(secondPatient, cleanups)
    expect(await refusal(enrolKeeper(other.node, keeper.multiaddr, { identity: secondPatient.identity, patient: secondPatient.address, quota: QUOTA, code: 'WARD7-31F9-KX2A' }))).toBe('not-accepted')
  })

  it('refuses a replayed statement, a statement for another keeper, one signed by another wallet\'s identity, and one too old', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const { node } = await memoryDevice(patient, cleanups)
    const send = (signed: { statement: Uint8Array; signature: Uint8Array; identity: Uint8Array }) => rawKeeperRequest(node, keeper.multiaddr, { t: 'enrol', ...signed })

    // A statement for another keeper (its address, or its peer id), properly signed by the patient.
    const elsewhere = await signStatement(patient.identity, statementFor(patient, { address: doctor.address, peerId: keeper.peerId }))
    expect((await send(elsewhere)).answer).toEqual({ t: 'refused', reason: 'bad-signature' })
    const otherPeer = await signStatement(patient.identity, statementFor(patient, { address: keeper.address, peerId: node.libp2p.peerId.toString() }))
    expect((await send(otherPeer)).answer).toEqual({ t: 'refused', reason: 'bad-signature' })

    // Naming the patient, signed by the doctor's identity (with the doctor's identity block, or the patient's).
    const forged = await signStatement(doctor.identity, statementFor(patient, keeper))
    expect((await send(forged)).answer).toEqual({ t: 'refused', reason: 'bad-signature' })
    expect((await send({ ...forged, identity: patient.identity.bytes })).answer).toEqual({ t: 'refused', reason: 'bad-signature' })

    // Eleven minutes old.
    const old = await signStatement(patient.identity, statementFor(patient, keeper, { at: Date.now() - 11 * 60_000 }))
    expect((await send(old)).answer).toEqual({ t: 'refused', reason: 'stale' })
    expect(await refusal(keeperStatus(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address }))).toBe('not-enrolled')

    // The same statement twice: the second is a replay. After a removal, the old enrolment replayed is refused too.
    const statement = await signStatement(patient.identity, statementFor(patient, keeper, { at: Date.now() - 60_000 }))
    expect((await send(statement)).answer).toMatchObject({ t: 'enrolled', quota: QUOTA })
    expect((await send(statement)).answer).toEqual({ t: 'refused', reason: 'stale' })
    await removeKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address })
    expect((await send(statement)).answer).toEqual({ t: 'refused', reason: 'stale' })
    expect(await refusal(keeperStatus(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address }))).toBe('not-enrolled')

    // The signed bytes are the statement's, under the keeper purpose: the same signature over the bare statement is no use.
    const bytes = encodeStatement(statementFor(patient, keeper))
    const bare = hexToBytes(await patient.identity.sign(patient.identity, bytes))
    expect((await send({ statement: bytes, signature: bare, identity: patient.identity.bytes })).answer).toEqual({ t: 'refused', reason: 'bad-signature' })
    const proper = hexToBytes(await patient.identity.sign(patient.identity, signedBytes(bytes)))
    expect((await send({ statement: bytes, signature: proper, identity: patient.identity.bytes })).answer).toMatchObject({ t: 'enrolled' })
  })

  it('refuses what is not the protocol, a removal or status in another wallet\'s name, and a request bigger than it reads; and goes on serving the patient', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const { node } = await memoryDevice(patient, cleanups)
    await enrolKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
    const intruder = await memoryDevice(doctor, cleanups)

    // The doctor asks the keeper to forget the patient, or for the patient's status: signed by the doctor, refused.
    const removal = await signStatement(doctor.identity, statementFor(patient, keeper, { kind: 'remove', quota: 0 }))
    expect((await rawKeeperRequest(intruder.node, keeper.multiaddr, { t: 'remove', ...removal })).answer).toEqual({ t: 'refused', reason: 'bad-signature' })
    const status = await signStatement(doctor.identity, statementFor(patient, keeper, { kind: 'status', quota: 0 }))
    expect((await rawKeeperRequest(intruder.node, keeper.multiaddr, { t: 'status', ...status })).answer).toEqual({ t: 'refused', reason: 'bad-signature' })

    // The patient's own enrolment statement sent as a removal: the request and the statement disagree.
    const enrolment = await signStatement(patient.identity, statementFor(patient, keeper))
    expect((await rawKeeperRequest(intruder.node, keeper.multiaddr, { t: 'remove', ...enrolment })).answer).toEqual({ t: 'refused', reason: 'malformed' })
    // Requests that are not the protocol's.
    expect((await rawKeeperRequest(intruder.node, keeper.multiaddr, { t: 'drop', ...enrolment })).answer).toEqual({ t: 'refused', reason: 'malformed' })
    expect((await rawKeeperRequest(intruder.node, keeper.multiaddr, { t: 'enrol', statement: 'me', signature: 1, identity: null })).answer).toEqual({ t: 'refused', reason: 'malformed' })
    // A request over what the keeper reads (64 KiB): the stream is broken off, nothing answered.
    await expect(rawKeeperRequest(intruder.node, keeper.multiaddr, { t: 'enrol', ...enrolment, padding: new Uint8Array(256 * 1024) })).rejects.toThrow()

    // The patient is still enrolled, and the keeper answers them.
    expect((await keeperStatus(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address })).quota).toBe(QUOTA)
  })

  it('a keeper that cannot be reached: a clear error, nothing enrolled', async () => {
    const { node } = await memoryDevice(patient, cleanups)
    const keeper = await spawnKeeper(cleanups, { chain })
    const port = await freePort()
    const nowhere = keeper.multiaddr.replace(`/tcp/${keeper.port}/`, `/tcp/${port}/`)
    const error = await enrolKeeper(node, nowhere, { identity: patient.identity, patient: patient.address, quota: QUOTA, timeoutMs: 5_000 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeeperError)
    expect((error as KeeperError).code).toBe('KEEPER_UNREACHABLE')
    expect((error as KeeperError).message).toMatch(/could not be reached.*Nothing was changed/)
    expect(await refusal(keeperStatus(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address }))).toBe('not-enrolled')
  })
})

describe('holding and forgetting', () => {
  it('removal forgets the patient: the pull is refused and the history\'s blocks and records are gone from the keeper\'s stores', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const { node, orbit } = await memoryDevice(patient, cleanups, { canSync: keeperAdmitted(keeper) })
    const log = await orbit.openLog(patient.address)
    const history = openPatientHistory({ log, keyring: firstEpochKeyring(patient.keys.encryption.secretKey, patient.address) })
    await history.addMany(Object.values(fixtureRecordsFor(patient.address)).slice(0, 5))
    await enrolKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
    await connectTo(node, keeper)
    await waitFor('the keeper to hold the 5 entries', async () => (await keeperStatus(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address })).held.entries === 5)
    // Another patient stays enrolled: the keeper still serves histories, not this one.
    const other = await memoryDevice(secondPatient, cleanups)
    await enrolKeeper(other.node, keeper.multiaddr, { identity: secondPatient.identity, patient: secondPatient.address, quota: QUOTA })

    await removeKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address })
    await keeper.waitForLine(new RegExp(`removed ${patient.address}: forgot 5 entries`))
    await expect(log.syncWith(keeper.peerId)).rejects.toBeInstanceOf(SyncRefusedError)
    expect(await refusal(keeperStatus(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address }))).toBe('not-enrolled')

    expect(await keeper.stop()).toBe(0)
    const blockstore = new LevelBlockstore(path.join(keeper.dataDir, 'blocks'))
    const datastore = new LevelDatastore(path.join(keeper.dataDir, 'data'))
    await blockstore.open()
    await datastore.open()
    try {
      for (const entry of log.entries()) expect(await blockstore.has(parseHash(entry.hash) ?? expect.fail(entry.hash))).toBe(false)
      const manifest = log.address.split('/').pop() ?? ''
      expect(await blockstore.has(parseHash(manifest) ?? expect.fail(manifest))).toBe(false)
      const keys: string[] = []
      for await (const key of datastore.queryKeys({})) keys.push(key.toString())
      expect(keys.filter((key) => key.includes(manifest) || key.includes(patient.address))).toEqual([`/anamnesis/keeper/removed/${patient.address}`])
      expect(keys).toContain(`/anamnesis/keeper/patient/${secondPatient.address}`)
    } finally {
      await blockstore.close()
      await datastore.close()
    }
  })

  it('a patient\'s quota reached: the keeper refuses the entries beyond it, logs it, and the patient\'s status says so', async () => {
    const keeper = await spawnKeeper(cleanups, { chain })
    const { node, orbit } = await memoryDevice(patient, cleanups, { canSync: keeperAdmitted(keeper) })
    const log = await orbit.openLog(patient.address)
    const history = openPatientHistory({ log, keyring: firstEpochKeyring(patient.keys.encryption.secretKey, patient.address) })
    const records = Object.values(fixtureRecordsFor(patient.address))
    await history.addMany(records.slice(0, 2))
    const quota = log.entries().reduce((sum, entry) => sum + entry.bytes.length, 0) + 100
    await enrolKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota })
    await connectTo(node, keeper)
    const status = () => keeperStatus(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address })
    await waitFor('the keeper to hold the first 2 entries', async () => (await status()).held.entries === 2)
    expect((await status()).refusing).toBeUndefined()

    await history.addMany(records.slice(2, 6))
    await keeper.waitForLine(new RegExp(`quota reached for ${patient.address}`))
    const over = await status()
    expect(over.refusing).toBe('quota')
    expect(over.held.entries).toBe(2)
    expect(over.held.bytes).toBeLessThanOrEqual(quota)
  })
})
