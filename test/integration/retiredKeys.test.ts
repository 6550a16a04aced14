// A patient replaces keys they fear were exposed; whoever holds the exposed key-derivation
// signature of version 1 derives the old history signing key, and with the old identity block
// (public, as every identity is) writes entries as the patient. Against real nodes syncing over the
// real protocol: the patient's devices, a doctor's device and a keeper (a Node peer under a policy)
// neither serve nor pull from a peer that proves the patient's wallet with the old keys; and when a
// colluding insider offers the forged entries, they refuse them, saying why, and hold every entry
// the patient wrote before the replacement, readable.
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { createKeyDrop, currentKey, encodeEnvelope, firstEpochKeyring, newEpochKey, wholeKeys, wrapDataKey, type EpochKeyring } from '../../src/crypto/index.ts'
import { createEntry, openPatientHistory, readerKeyring, sealEntry, type HistoryRecord, type PatientHistory } from '../../src/history/index.ts'
import type { KeyVersionOf, LogEvent, P2PNode, PatientLog, WalletAddress } from '../../src/p2p/index.ts'
import { bloodPressureSeries, fixtureRecordsFor } from '../fixtures/recordFixtures.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../support/walletSignatures.ts'
import { connect, memoryDevice, person, storeInLog, waitFor, type Person } from './historyFixtures.ts'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'

let patient: Person
/** The patient after the replacement: the keys of version 2, their binding and identity, as the app derives them then. */
let renewed: Person
let doctor: Person
let keeper: Person
/** A doctor with a live grant who colludes with the attacker: their node relays the forged entries. */
let insider: Person
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  ;[patient, doctor, keeper, insider] = await Promise.all([person('Patient'), person('Doctor'), person('Second doctor'), person('Third doctor')])
  const account = developmentAccounts.find((dev) => dev.label === 'Patient')
  if (account === undefined) throw new Error('no patient account')
  const { address, keys, binding, identity } = await walletIdentityOf(privateKeyToAccount(account.privateKey), TEST_DOMAIN, 2)
  renewed = { label: 'Patient, keys of version 2', address, keys, binding, identity }
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

/** The key registry as every peer reads it: the patient's registered key version, which the replacement raises. */
function keyRegistry(): { keyVersionOf: KeyVersionOf; register(version: number): void } {
  let version = 1
  return {
    keyVersionOf: (wallet: WalletAddress) => Promise.resolve(wallet === patient.address ? version : [doctor, keeper, insider].some((p) => p.address === wallet) ? 1 : undefined),
    register: (next) => {
      version = next
    }
  }
}

interface Opened {
  node: P2PNode
  log: PatientLog
  rejected: { hash: string; reason: string }[]
  /** Opens the log again (after entries were stored behind the app's back). */
  reopen(): Promise<Opened>
  /** Stops the device's OrbitDB and node; its stores stay. */
  stop(): Promise<void>
}

/**
 * A device of `who` holding the patient's log, under the registry's key versions (none: a device
 * that reads no registry, as the attacker's); it syncs with the patient, the doctor and the keeper.
 */
async function device(who: Person, registry?: ReturnType<typeof keyRegistry>, stores: { blockstore?: Blockstore; datastore?: Datastore } = {}): Promise<Opened> {
  const peers = new Set([patient, doctor, keeper, insider].map((p) => p.address))
  const policy = {
    canSync: (wallet: WalletAddress) => Promise.resolve(peers.has(wallet)),
    ...(registry === undefined ? {} : { keyVersionOf: registry.keyVersionOf }),
    // Every answer is asked afresh: the replacement shows at once.
    cacheMs: 0
  }
  const { node, orbit } = await memoryDevice(who, cleanups, policy, stores)
  const open = async (): Promise<Opened> => {
    const log = await orbit.openLog(patient.address)
    const rejected: { hash: string; reason: string }[] = []
    log.subscribe((event: LogEvent) => {
      if (event.type === 'rejected') rejected.push(...event.entries)
    })
    return {
      node,
      log,
      rejected,
      reopen: async () => {
        await log.close()
        return await open()
      },
      stop: async () => {
        await orbit.stop()
        await node.stop()
      }
    }
  }
  return await open()
}

const patientKeyring = (): EpochKeyring => firstEpochKeyring(patient.keys.encryption.secretKey, patient.address)

/** The doctor's keyring: epoch 0's key, wrapped for the doctor when the patient granted access. */
function doctorKeyring(): EpochKeyring {
  const { epoch, key } = currentKey(patientKeyring())
  return readerKeyring([wrapDataKey(key, doctor.keys.encryption.publicKey, epoch)], doctor.keys.encryption.secretKey)
}

/** Pulls from `peer` until `condition` holds (a connected peer also pulls on its own). */
async function pullUntil(what: string, from: Opened, peer: P2PNode, condition: () => boolean): Promise<void> {
  await waitFor(what, async () => {
    await from.log.syncWith(peer.libp2p.peerId).catch(() => undefined)
    return condition()
  })
}

describe('a peer with keys the patient replaced', () => {
  it('is neither served nor pulled from, and the entries it forged, relayed by an insider, are refused everywhere while everything the patient wrote before stays, readable', async () => {
    const registry = keyRegistry()
    const { hypertension, penicillin } = fixtureRecordsFor(patient.address)
    const records: HistoryRecord[] = [hypertension, penicillin, ...bloodPressureSeries(patient.address, 1)]

    // The patient's phone writes three records under the first keys; the doctor reads them.
    const phoneStores = { blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }
    let phone = await device(patient, registry, phoneStores)
    const mine = openPatientHistory({ log: phone.log, keyring: patientKeyring() })
    await mine.addMany(records)
    const doctorsDevice = await device(doctor, registry)
    const doctorsView = openPatientHistory({ log: doctorsDevice.log, keyring: doctorKeyring() })
    await connect(doctorsDevice.node, phone.node)
    await pullUntil('the doctor to read the three records', doctorsDevice, phone.node, () => doctorsView.entries().length === 3)

    // The attacker derived the version-1 signing key from the exposed signature: the patient's
    // identity, whose block any peer holds. It copied the history while those keys were current,
    // and writes two entries on top, sealed with the epoch-0 key it derives too, as the app would.
    const attacker = await device(patient)
    await connect(attacker.node, phone.node)
    await pullUntil('the attacker to copy the history', attacker, phone.node, () => attacker.log.entries().length === 3)
    const forged = createEntry({ record: { ...hypertension, id: 'forged', note: [{ text: 'no longer hypertensive: stop the treatment' }] }, writer: patient.address, patient: patient.address })
    const onTop = createEntry({ record: { ...penicillin, id: 'forged-on-forged' }, writer: patient.address, patient: patient.address })
    const written = await attacker.log.append([encodeEnvelope(sealEntry(forged, patientKeyring())), encodeEnvelope(sealEntry(onTop, patientKeyring()))])
    const [first, second] = written.map((entry) => entry.hash)
    if (first === undefined || second === undefined) throw new Error('nothing written')
    expect(written.map((entry) => entry.writerKeyVersion)).toEqual([1, 1])

    // The patient replaces the keys: version 2 is registered, and the history moves to a new epoch
    // in a key drop the new identity signs on top of the heads (as rotateForNewOwnerKey writes it).
    registry.register(2)
    const drop = createKeyDrop({ epoch: 1, key: newEpochKey(), asOf: { block: 1n, time: 0 }, owner: renewed.keys.encryption.publicKey, earlier: wholeKeys(patientKeyring()), readers: [] })
    const [dropEntry] = await phone.log.appendAs(renewed.identity, [drop])
    expect(dropEntry?.writerKeyVersion).toBe(2)
    // And the app opens the history again under the new keys: the phone is now the new identity.
    await phone.stop()
    phone = await device(renewed, registry, phoneStores)
    expect(phone.log.entries()).toHaveLength(4)

    // From now on the old keys prove nothing: the doctor neither pulls from the attacker nor serves it.
    const keepersDevice = await device(keeper, registry)
    for (const peer of [doctorsDevice, keepersDevice]) {
      await connect(peer.node, attacker.node)
      await expect(peer.log.syncWith(attacker.node.libp2p.peerId)).rejects.toThrow(/who may not sync this history \(with the keys it proved\)/)
      await expect(attacker.log.syncWith(peer.node.libp2p.peerId)).rejects.toThrow(/does not sync this history with us/)
    }

    // A doctor with a live grant colludes: their node copies the history (the drop included) from the
    // phone, takes the forged entries behind their app's back, and offers them to everyone.
    let relay = await device(insider)
    await connect(relay.node, phone.node)
    await pullUntil('the insider to copy the history', relay, phone.node, () => relay.log.entries().length === 4)
    await storeInLog(relay.node, relay.log.address, written)
    relay = await relay.reopen()
    expect(relay.log.entries()).toHaveLength(6)
    const reason = `it is signed with keys that ${patient.address} replaced (key version 1; version 2 is the registered one)`

    // Refused, with that reason, by the doctor's device, the patient's phone, the patient's other
    // device (opened with the new keys) and a keeper; the last two, new, get the whole history from
    // the insider: the drop of the current identity vouches for the patient's entries before it,
    // and for nothing the forged ones (the second builds on the first) add.
    const laptop = await device(renewed, registry)
    for (const peer of [doctorsDevice, phone, laptop, keepersDevice]) {
      await connect(peer.node, relay.node)
      await pullUntil('the refusal of the forged entries', peer, relay.node, () => peer.log.entries().length === 4 && peer.rejected.some((r) => r.hash === first))
      expect(peer.rejected.find((r) => r.hash === first)?.reason).toBe(reason)
      expect(peer.rejected.map((r) => r.hash)).toContain(second)
      expect(peer.log.entries().map((entry) => entry.hash)).toEqual(phone.log.entries().map((entry) => entry.hash))
      expect(peer.log.get(first)).toBeUndefined()
      expect(peer.log.get(second)).toBeUndefined()
      expect((await peer.log.checkBlocks()).filter((check) => check.problem !== undefined)).toEqual([])
    }

    // Everything the patient wrote before the replacement is there, readable with the new keys (the
    // drop wraps every epoch's key for them), and the doctor still reads what was granted.
    const onLaptop: PatientHistory = openPatientHistory({ log: laptop.log, keyring: { current: 0, keys: new Map() }, reader: renewed.keys.encryption })
    expect(onLaptop.entries().map((entry) => entry.record.id).sort()).toEqual(records.map((record) => record.id).sort())
    expect(doctorsView.entries().map((entry) => entry.record.id).sort()).toEqual(records.map((record) => record.id).sort())
  })
})
