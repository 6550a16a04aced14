// A guardian hands a treating doctor the emergency records' keys through the patient's keeper, against
// a real keeper process on a real local chain: the keeper serves the patient's history to the guardian
// (and not to a stranger), keeps the keys only from a guardian the ledger names, for a doctor whose
// emergency access is live, gives them to that doctor alone, and drops them once the patient revokes
// the doctor or removes the keeper. Its disk holds the wrapped keys only.
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { bytesToHex } from '@noble/hashes/utils.js'
import { createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addGuardian, EMERGENCY_SCOPE, emergencyGrant, publishEncryptionKey } from '../../src/chain/index.ts'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { encodeWrappedKeys, firstEpochKeyring, wrapDataKey } from '../../src/crypto/index.ts'
import { openPatientHistory } from '../../src/history/index.ts'
import { enrolKeeper, handEmergencyKeys, KeeperError, removeKeeper, takeEmergencyKeys } from '../../src/keeper/index.ts'
import { SyncRefusedError } from '../../src/p2p/syncProtocol.ts'
import { fixtureRecordsFor } from '../fixtures/recordFixtures.ts'
import { memoryDevice, waitFor, type Cleanups, type Person } from './historyFixtures.ts'
import { connectTo, keeperAdmitted, personOn, revokeAccess, spawnKeeper, startChain, type KeeperProcess, type TestChain } from './keeperFixtures.ts'

let chain: TestChain
let patient: Person
let guardian: Person
let doctor: Person
let stranger: Person
const cleanups: Cleanups = []
const QUOTA = 10 * 1024 * 1024

beforeEach(async () => {
  chain = await startChain()
  cleanups.push(() => chain.stop())
  ;[patient, guardian, doctor, stranger] = await Promise.all([personOn(chain, 'Patient'), personOn(chain, 'Guardian'), personOn(chain, 'Doctor'), personOn(chain, 'Second doctor')])
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

function walletOf(person: Person) {
  const dev = developmentAccounts.find((account) => account.address.toLowerCase() === person.address)
  if (dev === undefined) throw new Error(`${person.label} is no development account`)
  return createWalletClient({ account: privateKeyToAccount(dev.privateKey), chain: foundry, transport: http(chain.rpcUrl) })
}

/** The reason of the KeeperError a call rejects with. */
async function refusal(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call
  } catch (error) {
    if (error instanceof KeeperError) return error.reason ?? error.code
    throw error
  }
  throw new Error('the keeper kept or gave the keys')
}

/** Keys as a guardian's app hands them on: wrapped for the doctor's key (their content is no concern of the keeper's). */
const keysFor = (person: Person): Uint8Array => encodeWrappedKeys([wrapDataKey(new Uint8Array(32).fill(7), person.keys.encryption.publicKey, 0x8000_0002)])

/** A keeper the patient enrolled and synced five records to, the guardian named, and the doctor granted emergency access by the guardian. */
async function emergency(): Promise<{ keeper: KeeperProcess }> {
  const keeper = await spawnKeeper(cleanups, { chain })
  const { node, orbit } = await memoryDevice(patient, cleanups, { canSync: keeperAdmitted(keeper) })
  const log = await orbit.openLog(patient.address)
  const history = openPatientHistory({ log, keyring: firstEpochKeyring(patient.keys.encryption.secretKey, patient.address) })
  await history.addMany(Object.values(fixtureRecordsFor(patient.address)).slice(0, 5))
  await enrolKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
  await connectTo(node, keeper)
  await log.syncWith(keeper.peerId)
  await addGuardian(chain.client, walletOf(patient), { ledger: chain.contracts.consentLedger, guardian: guardian.address })
  // A doctor uses the app: their key is registered, which the ledger asks of an emergency grant's doctor.
  await publishEncryptionKey(chain.client, walletOf(doctor), { registry: chain.contracts.keyRegistry, publicKey: doctor.keys.encryption.publicKey, version: 1 })
  const expiry = (await chain.client.getBlock({ blockTag: 'latest' })).timestamp + 12n * 3600n
  await emergencyGrant(chain.client, walletOf(guardian), { ledger: chain.contracts.consentLedger, registry: chain.contracts.keyRegistry, patient: patient.address, doctor: doctor.address, expiry, scope: EMERGENCY_SCOPE })
  cleanups.push(async () => {
    await node.stop()
  })
  return { keeper }
}

describe("a guardian's emergency keys, through a keeper", () => {
  it('the keeper serves the patient\'s history to the guardian, and not to a stranger', async () => {
    const { keeper } = await emergency()
    const guardianDevice = await memoryDevice(guardian, cleanups, { canSync: keeperAdmitted(keeper) })
    await connectTo(guardianDevice.node, keeper)
    const copy = await guardianDevice.orbit.openLog(patient.address)
    await copy.syncWith(keeper.peerId)
    expect(copy.entries()).toHaveLength(5)

    const strangerDevice = await memoryDevice(stranger, cleanups, { canSync: keeperAdmitted(keeper) })
    await connectTo(strangerDevice.node, keeper)
    const refused = await strangerDevice.orbit.openLog(patient.address)
    await expect(refused.syncWith(keeper.peerId)).rejects.toBeInstanceOf(SyncRefusedError)
    expect(refused.entries()).toHaveLength(0)
  })

  it('keeps keys from a guardian for a doctor with live emergency access, gives them to that doctor only, and drops them when the patient revokes the doctor', async () => {
    const { keeper } = await emergency()
    const guardianNode = (await memoryDevice(guardian, cleanups)).node
    const doctorNode = (await memoryDevice(doctor, cleanups)).node
    const strangerNode = (await memoryDevice(stranger, cleanups)).node
    const keys = keysFor(doctor)

    // Someone the patient never named is refused, as is a doctor nobody let in.
    const [fromStranger] = await handEmergencyKeys(strangerNode, [keeper.multiaddr], { identity: stranger.identity, patient: patient.address, doctor: doctor.address, keys })
    expect(fromStranger?.ok === false && fromStranger.error.reason).toBe('not-guardian')
    expect(fromStranger?.ok === false && fromStranger.error.message).toMatch(/does not name you as this patient's guardian/)
    const [forStranger] = await handEmergencyKeys(guardianNode, [keeper.multiaddr], { identity: guardian.identity, patient: patient.address, doctor: stranger.address, keys: keysFor(stranger) })
    expect(forStranger?.ok === false && forStranger.error.reason).toBe('no-emergency-access')
    // Nothing left yet: the doctor is told there are no keys here.
    expect(await refusal(takeEmergencyKeys(doctorNode, keeper.multiaddr, { identity: doctor.identity, patient: patient.address }))).toBe('no-keys')

    const [kept] = await handEmergencyKeys(guardianNode, [keeper.multiaddr], { identity: guardian.identity, patient: patient.address, doctor: doctor.address, keys })
    expect(kept).toMatchObject({ ok: true, keeperWallet: keeper.address, replaced: false })
    await keeper.waitForLine(new RegExp(`kept the emergency keys guardian ${guardian.address} left for ${doctor.address}, of ${patient.address} \\(${keys.length} bytes\\)`))
    const taken = await takeEmergencyKeys(doctorNode, keeper.multiaddr, { identity: doctor.identity, patient: patient.address })
    expect(bytesToHex(taken.keys)).toBe(bytesToHex(keys))
    expect(taken.keeper).toBe(keeper.address)
    // Another wallet asking for them gets nothing, whoever it names as the doctor (the keeper checks the signer).
    expect(await refusal(takeEmergencyKeys(strangerNode, keeper.multiaddr, { identity: stranger.identity, patient: patient.address }))).toBe('no-keys')
    // The keeper's disk holds the wrapped keys, in the patient's folder, and nothing else of them.
    const folder = path.join(keeper.dataDir, 'emergency-keys', patient.address)
    expect(await readdir(folder)).toEqual([`${doctor.address}.keys`])

    // The patient, back, ends the doctor's access: the keys are refused and gone.
    await revokeAccess(chain, patient, doctor)
    expect(await refusal(takeEmergencyKeys(doctorNode, keeper.multiaddr, { identity: doctor.identity, patient: patient.address }))).toBe('no-emergency-access')
    expect(await readdir(folder)).toEqual([])
    // And the guardian cannot leave them again for a doctor whose access ended.
    const [again] = await handEmergencyKeys(guardianNode, [keeper.multiaddr], { identity: guardian.identity, patient: patient.address, doctor: doctor.address, keys })
    expect(again?.ok === false && again.error.reason).toBe('no-emergency-access')
  })

  it('forgets the keys of a patient who removes the keeper', async () => {
    const { keeper } = await emergency()
    const guardianNode = (await memoryDevice(guardian, cleanups)).node
    const [kept] = await handEmergencyKeys(guardianNode, [keeper.multiaddr], { identity: guardian.identity, patient: patient.address, doctor: doctor.address, keys: keysFor(doctor) })
    expect(kept?.ok).toBe(true)
    const patientNode = (await memoryDevice(patient, cleanups)).node
    await removeKeeper(patientNode, keeper.multiaddr, { identity: patient.identity, patient: patient.address })
    await waitFor('the keys to be forgotten', async () => (await readdir(path.join(keeper.dataDir, 'emergency-keys')).catch(() => [])).length === 0)
    const doctorNode = (await memoryDevice(doctor, cleanups)).node
    expect(await refusal(takeEmergencyKeys(doctorNode, keeper.multiaddr, { identity: doctor.identity, patient: patient.address }))).toBe('no-keys')
  })
})
