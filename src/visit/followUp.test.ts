// A doctor follows up after a visit: a patient approves at a visit (over the in-memory network,
// their half and the doctor's as in the app), leaves, and the doctor opens the history again from
// "My patients", from the patient's device when it answers, else from a keeper the approval named.
import { bytesToHex } from 'viem'
import { describe, expect, it, vi } from 'vitest'
import { recordCategories } from '../chain/index.ts'
import { encodeVisitInvite, type AnswerKeeper } from '../p2p/index.ts'
import {
  APP_ORIGIN,
  contextFor,
  DOCTOR_KEY,
  encodeWrapped,
  EVENTUALLY,
  fakeDoctorHistory,
  fakeLedger,
  fakeNetwork,
  fakePatientHistory,
  fakeWallet,
  type Happening,
  manualClock,
  PATIENT_ADDRESS,
  PATIENT_KEY,
  PATIENT_PEER
} from '../../test/support/visitFakes.ts'
import { createDoctorJoin } from './doctorJoin.ts'
import { openFollowUp } from './followUp.ts'
import { createPatientDevices, type DeviceStorage } from './patientDevices.ts'
import { createPatientVisits } from './patientVisits.ts'
import { VisitError } from './visitError.ts'

const KEEPER_PEER = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const OTHER_KEEPER_PEER = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'
const KEEPER = `/ip4/10.233.0.2/tcp/9092/ws/p2p/${KEEPER_PEER}`
const OTHER_KEEPER = `/ip4/10.233.0.3/tcp/9092/ws/p2p/${OTHER_KEEPER_PEER}`
const KEEPER_WALLET = `0x${'e1'.repeat(20)}`
const OTHER_KEEPER_WALLET = `0x${'e2'.repeat(20)}`
const KEEPERS: AnswerKeeper[] = [
  { address: KEEPER, keeper: KEEPER_WALLET },
  { address: OTHER_KEEPER, keeper: OTHER_KEEPER_WALLET }
]

function memoryStorage(): DeviceStorage {
  const items = new Map<string, string>()
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) }
}

/** A visit where the patient, with `keepers` enrolled, grants conditions and allergies with write access; the doctor's browser keeps what it was given in `storage`. */
async function afterVisit({ keepers = KEEPERS }: { keepers?: readonly AnswerKeeper[] } = {}) {
  const happened: Happening[] = []
  const clock = manualClock()
  const network = fakeNetwork(happened)
  const ledger = fakeLedger(happened)
  const patientWallet = fakeWallet(PATIENT_KEY)
  const doctorWallet = fakeWallet(DOCTOR_KEY)
  const doctorHistory = fakeDoctorHistory({ unlocked: true })
  ledger.keys.set(doctorWallet.account.address.toLowerCase(), bytesToHex(doctorHistory.publicKey))
  const storage = memoryStorage()
  const devices = createPatientDevices(storage)
  const patient = createPatientVisits({
    ready: () => contextFor(patientWallet, ledger.as(patientWallet), network.patient),
    history: fakePatientHistory({ keepers }).port,
    linkTo: (encoded) => `https://app.example/#/visit/join/${encoded}`,
    origin: APP_ORIGIN,
    clock
  })
  const doctor = createDoctorJoin({
    ready: () => contextFor(doctorWallet, ledger.as(doctorWallet), network.doctor),
    history: doctorHistory.port,
    origin: APP_ORIGIN,
    clock,
    rememberPatientDevice: (p, device) => devices.remember(p, device)
  })
  await patient.startVisit()
  const open = patient.state.get().openInvite
  if (open === undefined) throw new Error('no invite')
  const joined = doctor.joinVisit(encodeVisitInvite(open.invite), 'Dr Ada')
  await vi.waitFor(() => expect(patient.state.get().requests.filter((r) => r.state === 'waiting')).toHaveLength(1), EVENTUALLY)
  await patient.approve(patient.state.get().requests[0]?.id ?? 0, { categories: ['conditions', 'allergies'], mayWrite: true, days: 7 })
  await joined
  // The visit ends: the doctor's page closes its reading, and the patient's device goes offline.
  for (const reading of doctorHistory.readings) await reading.close()
  network.patientGoesAway()
  happened.length = 0
  const followUp = () => openFollowUp({ channel: network.doctor, history: doctorHistory.port, devices: createPatientDevices(storage) }, patientWallet.account.address)
  return { happened, network, doctorHistory, storage, devices, patient: patientWallet.account.address, followUp }
}

describe('a follow-up after the visit', () => {
  it('keeps the keepers and the keys of the approval on the doctor’s device, and syncs that patient’s history with those keepers only', async () => {
    const { devices, patient } = await afterVisit()
    const kept = devices.device(patient)
    expect(kept).toMatchObject({ peer: PATIENT_PEER, address: PATIENT_ADDRESS, keepers: KEEPERS })
    expect(kept?.wrappedKeys).toBeInstanceOf(Uint8Array)
    expect(devices.isKeeperOf(patient, KEEPER_WALLET.toUpperCase().replace('0X', '0x'))).toBe(true)
    expect(devices.isKeeperOf(patient, `0x${'e3'.repeat(20)}`)).toBe(false)
    expect(devices.isKeeperOf('0x0000000000000000000000000000000000000001', KEEPER_WALLET)).toBe(false)
  })

  it('reads from the first keeper that answers while the patient’s device is offline, with the keys the patient granted', async () => {
    const { network, doctorHistory, happened, patient, followUp } = await afterVisit()
    network.keeperUp(OTHER_KEEPER)
    const { reading, source } = await followUp()
    expect(source).toEqual({ from: 'keeper', address: OTHER_KEEPER })
    expect(reading.peer).toBe(OTHER_KEEPER_PEER)
    // The wallet the visit named for that keeper: the one it must prove when the pull starts.
    expect(reading.holder).toBe(OTHER_KEEPER_WALLET)
    expect(reading.patient).toBe(patient)
    expect(reading.categories.map((i) => recordCategories[i]).sort()).toEqual(['allergies', 'conditions'])
    // The device and the first keeper were dialled at once, then the next keeper.
    expect(happened.map((h) => ('address' in h ? `${h.what} ${h.address}` : h.what))).toEqual([`dial ${PATIENT_ADDRESS}`, `dial-direct ${KEEPER}`, `dial-direct ${OTHER_KEEPER}`])
    // Reconnecting after the keeper went away dials it again, directly.
    network.keeperDown(OTHER_KEEPER)
    network.keeperUp(OTHER_KEEPER)
    await reading.reconnect()
    expect(happened.at(-1)).toEqual({ what: 'dial-direct', address: OTHER_KEEPER })
    expect(doctorHistory.readings.at(-1)).toBe(reading)
  })

  it('reads from the patient’s device when it answers, and hangs up on the keeper dialled meanwhile', async () => {
    const { network, happened, followUp } = await afterVisit()
    network.patientComesBack()
    network.keeperUp(KEEPER)
    const { reading, source } = await followUp()
    expect(source).toEqual({ from: 'device' })
    expect(reading.peer).toBe(PATIENT_PEER)
    // The first keeper was dialled with the device, in case the device were offline; only the device is read from.
    expect(happened.filter((h) => h.what === 'dial-direct' || h.what === 'hang-up')).toEqual([
      { what: 'dial-direct', address: KEEPER },
      { what: 'hang-up', address: KEEPER }
    ])
    expect(network.doctor.hasDirectConnection(KEEPER_PEER)).toBe(false)
    expect(network.doctor.hasDirectConnection(PATIENT_PEER)).toBe(true)
  })

  it('says the device and keepers are unreachable, and why, when none answers', async () => {
    const { followUp, doctorHistory } = await afterVisit()
    const refused = followUp()
    await expect(refused).rejects.toThrow(VisitError)
    await expect(refused).rejects.toThrow(/^The patient's device and keepers are unreachable \(their device: the dial timed out; keeper .{8}: the connection was refused; keeper .{8}: the connection was refused\)\. Try again later\.$/)
    expect(doctorHistory.readings.filter((r) => !r.closed)).toEqual([])
  })

  it('says when the patient named no keeper and their device is offline', async () => {
    const { followUp } = await afterVisit({ keepers: [] })
    await expect(followUp()).rejects.toThrow("The patient's device is unreachable (their device: the dial timed out), and they named no keeper at their last visit. Try again when their app is open.")
  })

  it('refuses without keys from a visit, and does not dial anyone', async () => {
    const { happened, network, doctorHistory } = await afterVisit()
    network.keeperUp(KEEPER)
    const devices = createPatientDevices(memoryStorage())
    devices.remember('0x0000000000000000000000000000000000000001', { peer: PATIENT_PEER, address: PATIENT_ADDRESS, keepers: KEEPERS })
    const open = openFollowUp({ channel: network.doctor, history: doctorHistory.port, devices }, '0x0000000000000000000000000000000000000001')
    await expect(open).rejects.toMatchObject({ code: 'NO_KEYS' })
    expect(happened).toEqual([])
  })

  it('does not open keys wrapped for another reader: the reading fails with the history’s own words', async () => {
    const { network, doctorHistory, storage, patient } = await afterVisit()
    network.keeperUp(KEEPER)
    const devices = createPatientDevices(storage)
    devices.remember(patient, { peer: PATIENT_PEER, address: PATIENT_ADDRESS, wrappedKeys: encodeWrapped({ reader: `0x${'11'.repeat(32)}`, categories: [0] }) })
    await expect(openFollowUp({ channel: network.doctor, history: doctorHistory.port, devices }, patient)).rejects.toThrow('These keys were not wrapped for this device.')
  })
})

describe("a doctor let in by a guardian's emergency grant", () => {
  const EMERGENCY = [0, 1, 2, 3, 4, 5]
  const patient = '0x0000000000000000000000000000000000000002'

  it('takes the keys the guardian left from the first keeper that holds them, and reads the history from that keeper', async () => {
    const happened: Happening[] = []
    const network = fakeNetwork(happened)
    network.keeperUp(OTHER_KEEPER)
    const doctorHistory = fakeDoctorHistory({ emergencyKeys: { [OTHER_KEEPER]: EMERGENCY } })
    const devices = createPatientDevices(memoryStorage())
    const { reading, source } = await openFollowUp({ channel: network.doctor, history: doctorHistory.port, devices, emergency: { keepers: [KEEPER, OTHER_KEEPER] } }, patient)
    // No visit left keys here: the doctor's keys were opened first, then each keeper asked in turn.
    expect(doctorHistory.calls.unlocks).toBe(1)
    expect(doctorHistory.takes).toEqual([
      { patient, keeper: KEEPER },
      { patient, keeper: OTHER_KEEPER }
    ])
    expect(source).toEqual({ from: 'keeper', address: OTHER_KEEPER })
    expect(reading.peer).toBe(OTHER_KEEPER_PEER)
    expect(reading.categories).toEqual(EMERGENCY)
    network.keeperDown(OTHER_KEEPER)
    network.keeperUp(OTHER_KEEPER)
    await reading.reconnect()
    expect(happened.at(-1)).toEqual({ what: 'dial-direct', address: OTHER_KEEPER })
  })

  it('tries the keepers a visit named before the defaults, each once', async () => {
    const network = fakeNetwork([])
    const doctorHistory = fakeDoctorHistory({ unlocked: true, emergencyKeys: { [KEEPER]: EMERGENCY } })
    const devices = createPatientDevices(memoryStorage())
    devices.remember(patient, { peer: PATIENT_PEER, address: PATIENT_ADDRESS, keepers: [KEEPERS[1] as AnswerKeeper] })
    await openFollowUp({ channel: network.doctor, history: doctorHistory.port, devices, emergency: { keepers: [KEEPER, OTHER_KEEPER] } }, patient)
    expect(doctorHistory.takes.map((take) => take.keeper)).toEqual([OTHER_KEEPER, KEEPER])
  })

  it('goes on to the next keeper when one answers with keys that do not open here, and says so when none does', async () => {
    const network = fakeNetwork([])
    network.keeperUp(OTHER_KEEPER)
    const doctorHistory = fakeDoctorHistory({ unlocked: true, emergencyKeys: { [KEEPER]: EMERGENCY, [OTHER_KEEPER]: EMERGENCY }, foreignKeys: [KEEPER] })
    const devices = createPatientDevices(memoryStorage())
    const { source } = await openFollowUp({ channel: network.doctor, history: doctorHistory.port, devices, emergency: { keepers: [KEEPER, OTHER_KEEPER] } }, patient)
    expect(source).toEqual({ from: 'keeper', address: OTHER_KEEPER })
    const alone = openFollowUp({ channel: network.doctor, history: doctorHistory.port, devices, emergency: { keepers: [KEEPER] } }, patient)
    await expect(alone).rejects.toThrow(/^No keeper holds the emergency keys for you \(keeper .{8}: its keys do not open here \(These keys were not wrapped for this device\.\)\)/)
    expect(doctorHistory.readings.filter((reading) => !reading.closed)).toHaveLength(1)
  })

  it('says which keepers were asked and why none gave keys, and opens no reading', async () => {
    const network = fakeNetwork([])
    const doctorHistory = fakeDoctorHistory({ unlocked: true })
    const devices = createPatientDevices(memoryStorage())
    const open = openFollowUp({ channel: network.doctor, history: doctorHistory.port, devices, emergency: { keepers: [KEEPER] } }, patient)
    await expect(open).rejects.toMatchObject({ code: 'UNREACHABLE' })
    await expect(open).rejects.toThrow(/^No keeper holds the emergency keys for you \(keeper .{8}: This keeper holds no keys for you from the patient's guardian\)\. Ask the guardian who let you in to hand them on again\.$/)
    expect(doctorHistory.readings).toEqual([])
    const none = openFollowUp({ channel: network.doctor, history: doctorHistory.port, devices, emergency: { keepers: [] } }, patient)
    await expect(none).rejects.toThrow(/No keeper of the patient's is known here/)
  })
})
