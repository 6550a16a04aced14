// The doctor's half of a visit, step by step, joined over an in-memory network to the patient's
// half: the steps the doctor sees, what reaches the ledger, and what the doctor ends up reading.
import { bytesToHex, type Hex } from 'viem'
import { describe, expect, it, vi } from 'vitest'
import { recordCategories } from '../chain/index.ts'
import { createVisitInvite, encodeVisitInvite } from '../p2p/index.ts'
import {
  APP_ORIGIN,
  CHAIN,
  contextFor,
  DOCTOR_KEY,
  EVENTUALLY,
  fakeDoctorHistory,
  fakeLedger,
  fakeNetwork,
  fakePatientHistory,
  type FakeReading,
  fakeWallet,
  type Happening,
  manualClock,
  PATIENT_ADDRESS,
  PATIENT_KEY,
  PATIENT_PEER,
  RELAY
} from '../../test/support/visitFakes.ts'
import { createDoctorJoin, type JoinStep } from './doctorJoin.ts'
import { createPatientVisits, type VisitChoice } from './patientVisits.ts'

function setUp({
  doctorUnlocked = false,
  doctorKeyPublished = false,
  unlockError,
  patientOrigin = APP_ORIGIN
}: { doctorUnlocked?: boolean; doctorKeyPublished?: boolean; unlockError?: string; patientOrigin?: string } = {}) {
  const happened: Happening[] = []
  const clock = manualClock()
  const network = fakeNetwork(happened)
  const ledger = fakeLedger(happened)
  const patientWallet = fakeWallet(PATIENT_KEY)
  const doctorWallet = fakeWallet(DOCTOR_KEY)
  const doctorHistory = fakeDoctorHistory({ unlocked: doctorUnlocked, ...(unlockError === undefined ? {} : { unlockError }) })
  if (doctorKeyPublished) ledger.keys.set(doctorWallet.account.address.toLowerCase(), bytesToHex(doctorHistory.publicKey))
  // What the patient's chain provider makes up about registered keys (none unless a test says so).
  const providerLies = new Map<string, Hex | null>()
  const patient = createPatientVisits({
    ready: () => contextFor(patientWallet, ledger.as(patientWallet, providerLies), network.patient),
    history: fakePatientHistory().port,
    linkTo: (encoded) => `https://app.example/#/visit/join/${encoded}`,
    origin: patientOrigin,
    clock
  })
  const remembered: { patient: string; peer: string; address: string; keepers?: readonly unknown[]; wrappedKeys?: Uint8Array }[] = []
  const doctor = createDoctorJoin({
    ready: () => contextFor(doctorWallet, ledger.as(doctorWallet), network.doctor),
    history: doctorHistory.port,
    origin: APP_ORIGIN,
    clock,
    rememberPatientDevice: (patientAddress, device) => remembered.push({ patient: patientAddress, ...device })
  })
  const steps: JoinStep<FakeReading>[] = []
  doctor.state.subscribe((state) => steps.push(state.step))
  const stepNames = (): string[] => steps.map((s) => (s.step === 'approved' ? `approved (${s.recorded})` : s.step))

  /** The patient opens an invite; resolves to it as encoded in the link. */
  const invite = async (): Promise<string> => {
    await patient.startVisit()
    const open = patient.state.get().openInvite
    if (open === undefined) throw new Error('no invite')
    return encodeVisitInvite(open.invite)
  }
  /** Once the doctor's request reaches the patient: its id there. */
  const patientSeesRequest = async (): Promise<number> => {
    await vi.waitFor(() => expect(patient.state.get().requests.filter((r) => r.state === 'waiting')).toHaveLength(1), EVENTUALLY)
    const request = patient.state.get().requests.find((r) => r.state === 'waiting')
    if (request === undefined) throw new Error('no request')
    return request.id
  }
  /** The doctor asks on `encoded`; once the patient sees it, `decide` runs on the patient's side. */
  const visit = async (encoded: string, decide: (id: number) => Promise<void>): Promise<JoinStep<FakeReading>> => {
    const joined = doctor.joinVisit(encoded, 'Dr Ada')
    await decide(await patientSeesRequest())
    await joined
    return doctor.step(encoded)
  }
  const approve = (choice: VisitChoice) => (id: number) => patient.approve(id, choice)

  return { happened, clock, network, ledger, providerLies, patientWallet, doctorWallet, doctorHistory, patient, doctor, remembered, steps, stepNames, invite, patientSeesRequest, visit, approve }
}

const conditionsAndAllergies: VisitChoice = { categories: ['conditions', 'allergies'], mayWrite: false, days: 7 }

describe('the doctor asks and the patient approves', () => {
  it('goes through unlocking, registering the key, signing, connecting, waiting, then approved and recorded, and reads what was granted', async () => {
    const { doctor, doctorHistory, doctorWallet, patientWallet, ledger, happened, remembered, stepNames, invite, visit, approve } = setUp()
    const encoded = await invite()
    const step = await visit(encoded, approve(conditionsAndAllergies))

    expect(stepNames()).toEqual(['unlocking', 'registering-key', 'signing', 'connecting', 'waiting', 'approved (recording)', 'approved (recorded)'])
    expect(doctorHistory.calls.unlocks).toBe(1)
    // The key the patient wraps for is the one this device opened, now on the ledger.
    expect(ledger.keys.get(doctorWallet.account.address.toLowerCase())).toBe(bytesToHex(doctorHistory.publicKey))
    if (step.step !== 'approved') throw new Error(`not approved: ${step.step}`)
    expect(step.description).toBe('read access to conditions, allergies')
    expect(step.mayWrite).toBe(false)
    expect(step.expiry).toEqual(new Date(Math.floor((Date.parse('2026-12-05T10:00:00Z') + 7 * 24 * 3600 * 1000) / 1000) * 1000))
    expect(step.readError).toBeUndefined()
    // The doctor reads the granted categories, from the patient's device.
    expect(step.reading?.categories.map((i) => recordCategories[i]).sort()).toEqual(['allergies', 'conditions'])
    expect(step.reading?.peer).toBe(PATIENT_PEER)
    expect(step.reading?.patient).toBe(patientWallet.account.address)
    // The ciphertext was fetched while the patient decided, and kept.
    expect(doctorHistory.prefetches).toEqual([{ patient: patientWallet.account.address, peer: PATIENT_PEER, dropped: false }])
    // The visit is recorded on-chain after the grant, once.
    expect(happened.filter((h) => h.what === 'grant' || h.what === 'log-visit').map((h) => h.what)).toEqual(['grant', 'log-visit'])
    expect(happened.find((h) => h.what === 'log-visit')).toEqual({ what: 'log-visit', doctor: doctorWallet.account.address, patient: patientWallet.account.address })
    // Where the device was reached, kept once connected; then the keys the patient wrapped, for a follow-up after the visit.
    expect(remembered).toEqual([
      { patient: patientWallet.account.address, peer: PATIENT_PEER, address: PATIENT_ADDRESS },
      { patient: patientWallet.account.address, peer: PATIENT_PEER, address: PATIENT_ADDRESS, keepers: [], wrappedKeys: expect.any(Uint8Array) as Uint8Array }
    ])
    // Any other invite is idle.
    expect(doctor.step('another')).toEqual({ step: 'idle' })
  })

  it('neither unlocks nor registers again when the keys are open and the ledger has them', async () => {
    const { happened, stepNames, invite, visit, approve } = setUp({ doctorUnlocked: true, doctorKeyPublished: true })
    await visit(await invite(), approve(conditionsAndAllergies))
    expect(stepNames()).toEqual(['signing', 'connecting', 'waiting', 'approved (recording)', 'approved (recorded)'])
    expect(happened.filter((h) => h.what === 'publish-key')).toEqual([])
  })

  it('registers the key again when the ledger has another one for this wallet', async () => {
    const { ledger, doctorWallet, doctorHistory, stepNames, invite, visit, approve } = setUp({ doctorUnlocked: true })
    ledger.keys.set(doctorWallet.account.address.toLowerCase(), `0x${'77'.repeat(32)}`)
    await visit(await invite(), approve(conditionsAndAllergies))
    expect(stepNames().slice(0, 2)).toEqual(['registering-key', 'signing'])
    expect(ledger.keys.get(doctorWallet.account.address.toLowerCase())).toBe(bytesToHex(doctorHistory.publicKey))
  })

  it('says the visit could not be recorded when the wallet refuses, and still shows the history', async () => {
    const { doctorWallet, invite, visit, approve } = setUp({ doctorUnlocked: true, doctorKeyPublished: true })
    const encoded = await invite()
    doctorWallet.refusing.add('log-visit')
    const step = await visit(encoded, approve(conditionsAndAllergies))
    expect(step).toMatchObject({ step: 'approved', recorded: 'failed', recordError: 'The wallet declined to record the visit. Nothing was sent.' })
    if (step.step !== 'approved') throw new Error('not approved')
    expect(step.reading).toBeDefined()
  })

  it('a new visit closes the history read in the last one', async () => {
    const { doctorHistory, network, invite, visit, approve } = setUp({ doctorUnlocked: true, doctorKeyPublished: true })
    await visit(await invite(), approve(conditionsAndAllergies))
    network.dropConnection()
    await visit(await invite(), approve(conditionsAndAllergies))
    expect(doctorHistory.readings.map((r) => r.closed)).toEqual([true, false])
  })

  it("reconnects the reading to the patient's device when the direct connection dropped", async () => {
    const { network, happened, invite, visit, approve } = setUp({ doctorUnlocked: true, doctorKeyPublished: true })
    const step = await visit(await invite(), approve(conditionsAndAllergies))
    if (step.step !== 'approved' || step.reading === undefined) throw new Error('no reading')
    const dials = (): number => happened.filter((h) => h.what === 'dial').length
    const before = dials()
    await step.reading.reconnect()
    expect(dials()).toBe(before)
    network.dropConnection()
    await step.reading.reconnect()
    expect(dials()).toBe(before + 1)
    expect(network.isConnected()).toBe(true)
  })
})

describe('the patient says no', () => {
  it('shows the decline, drops the prefetched history, reads and records nothing', async () => {
    const { patient, doctorHistory, happened, stepNames, invite, visit } = setUp({ doctorUnlocked: true, doctorKeyPublished: true })
    const step = await visit(await invite(), (id) => patient.decline(id))
    expect(step).toEqual({ step: 'declined', reason: 'The patient declined.' })
    expect(stepNames().at(-1)).toBe('declined')
    expect(doctorHistory.prefetches.map((p) => p.dropped)).toEqual([true])
    expect(doctorHistory.readings).toEqual([])
    expect(happened.filter((h) => h.what === 'grant' || h.what === 'log-visit')).toEqual([])
  })

  it("shows the patient's app refusing an invite it no longer knows", async () => {
    const { patient, doctor, doctorHistory, invite } = setUp({ doctorUnlocked: true, doctorKeyPublished: true })
    const encoded = await invite()
    patient.cancelInvite()
    await doctor.joinVisit(encoded, 'Dr Ada')
    expect(doctor.step(encoded)).toMatchObject({ step: 'refused', message: expect.stringContaining('did not issue this invite') as string })
    expect(doctorHistory.prefetches.map((p) => p.dropped)).toEqual([true])
  })

  it('refuses an expired invite before signing or dialling anything', async () => {
    const { doctor, clock, happened, stepNames, invite } = setUp({ doctorUnlocked: true, doctorKeyPublished: true })
    const encoded = await invite()
    clock.advance(10 * 60 * 1000 + 1)
    await doctor.joinVisit(encoded, 'Dr Ada')
    expect(doctor.step(encoded)).toEqual({ step: 'refused', message: 'This invite has expired. Ask the patient to show a new one.' })
    expect(stepNames()).toEqual(['refused'])
    expect(happened.filter((h) => h.what === 'dial')).toEqual([])
  })

  it("is refused by a patient's app on another origin: the request names the doctor's", async () => {
    const { doctor, patient, happened, invite } = setUp({ doctorUnlocked: true, doctorKeyPublished: true, patientOrigin: 'https://elsewhere.example' })
    const encoded = await invite()
    await doctor.joinVisit(encoded, 'Dr Ada')
    expect(doctor.step(encoded)).toEqual({ step: 'refused', message: 'The request is not signed by the address it names, for this app and this patient; the patient was not asked.' })
    expect(patient.state.get().requests).toEqual([])
    expect(happened.filter((h) => h.what === 'grant')).toEqual([])
  })

  it("is refused, with a reason on both screens, when the patient's chain provider returns another key for the doctor", async () => {
    const { doctor, patient, doctorWallet, doctorHistory, providerLies, happened, invite } = setUp({ doctorUnlocked: true, doctorKeyPublished: true })
    providerLies.set(doctorWallet.account.address.toLowerCase(), `0x${'ee'.repeat(32)}`)
    const encoded = await invite()
    await doctor.joinVisit(encoded, 'Dr Ada')
    expect(doctor.step(encoded)).toMatchObject({ step: 'refused', message: expect.stringContaining("the encryption key you signed is not the one the chain's provider returns for you") as string })
    expect(patient.state.get().requests).toMatchObject([{ state: 'refused', error: expect.stringContaining("the chain's provider may be lying") as string }])
    expect(happened.filter((h) => h.what === 'grant')).toEqual([])
    expect(doctorHistory.readings).toEqual([])
  })

  it('refuses an invite for another chain, naming both', async () => {
    const { doctor, clock, patientWallet } = setUp()
    const encoded = encodeVisitInvite(createVisitInvite({ addresses: [PATIENT_ADDRESS], patient: patientWallet.account.address, chainId: 1, now: clock.now() }))
    await doctor.joinVisit(encoded, 'Dr Ada')
    expect(doctor.step(encoded)).toEqual({ step: 'refused', message: `This invite is for chain 1, but this app is on ${CHAIN.name} (${CHAIN.id}).` })
  })
})

describe('what goes wrong on the way', () => {
  it("says the patient's device went away when it disappears while the doctor waits", async () => {
    const { doctor, patient, network, stepNames, invite, patientSeesRequest } = setUp({ doctorUnlocked: true, doctorKeyPublished: true })
    const encoded = await invite()
    const joined = doctor.joinVisit(encoded, 'Dr Ada')
    await patientSeesRequest()
    // Both screens show the same check code for this request.
    const request = patient.state.get().requests[0]
    expect(request?.checkCode).toMatch(/^\d{3} \d{3}$/)
    expect(doctor.step(encoded)).toEqual({ step: 'waiting', checkCode: request?.checkCode })
    network.patientGoesAway()
    await joined
    expect(doctor.step(encoded)).toEqual({
      step: 'failed',
      message: "The patient's device did not answer (The connection to the patient's device was closed). Is their app still open? Ask them to start the visit again."
    })
    expect(stepNames()).toEqual(['signing', 'connecting', 'waiting', 'failed'])
  })

  it("says the patient's device cannot be reached when their app is closed", async () => {
    const { doctor, network, invite } = setUp({ doctorUnlocked: true, doctorKeyPublished: true })
    const encoded = await invite()
    network.patientGoesAway()
    await doctor.joinVisit(encoded, 'Dr Ada')
    expect(doctor.step(encoded)).toEqual({ step: 'failed', message: "Could not reach the patient's device: the dial timed out. Is their app open?" })
  })

  it('shows why the keys could not be opened, and asks nothing of the patient', async () => {
    const { doctor, patient, invite } = setUp({ unlockError: 'The wallet declined to sign. Nothing was sent.' })
    const encoded = await invite()
    await doctor.joinVisit(encoded, 'Dr Ada')
    expect(doctor.step(encoded)).toEqual({ step: 'failed', message: 'The wallet declined to sign. Nothing was sent.' })
    expect(patient.state.get().requests).toEqual([])
  })

  it('shows the wallet refusing to sign the request, and asks nothing of the patient', async () => {
    const { doctor, doctorWallet, patient, invite } = setUp({ doctorUnlocked: true, doctorKeyPublished: true })
    const encoded = await invite()
    doctorWallet.refusing.add('sign')
    await doctor.joinVisit(encoded, 'Dr Ada')
    expect(doctor.step(encoded)).toEqual({ step: 'failed', message: 'The wallet declined to sign the request for access. Nothing was sent.' })
    expect(patient.state.get().requests).toEqual([])
  })

  it('asks for a wallet first when the app is not ready', async () => {
    const doctor = createDoctorJoin({ ready: () => undefined, history: fakeDoctorHistory().port, origin: APP_ORIGIN })
    await doctor.joinVisit('anything', 'Dr Ada')
    expect(doctor.step('anything')).toEqual({ step: 'failed', message: 'Connect a wallet, and wait for the peer-to-peer node to start, before joining a visit.' })
  })
})

describe('dialling before the doctor asks', () => {
  it("dials the patient's device as the join page opens, and hangs up when the doctor leaves without asking", async () => {
    const { doctor, happened, network, invite } = setUp()
    const encoded = await invite()
    doctor.prepareJoin(encoded)
    await vi.waitFor(() => expect(network.isConnected()).toBe(true), EVENTUALLY)
    expect(happened.filter((h) => h.what === 'dial')).toEqual([{ what: 'dial', address: PATIENT_ADDRESS }])
    doctor.abandonJoin(encoded)
    await vi.waitFor(() => expect(happened.filter((h) => h.what === 'hang-up')).toEqual([{ what: 'hang-up', address: PATIENT_ADDRESS }]), EVENTUALLY)
    expect(network.isConnected()).toBe(false)
  })

  it('dials no host but through this deployment’s relays before the doctor asks', async () => {
    const { doctor, happened, clock, patientWallet } = setUp()
    const foreign = encodeVisitInvite(
      createVisitInvite({ addresses: [`/dns4/evil.example/tcp/443/wss/p2p/${RELAY.split('/p2p/')[1] ?? ''}/p2p-circuit/webrtc/p2p/${PATIENT_PEER}`], patient: patientWallet.account.address, chainId: CHAIN.id, now: clock.now() })
    )
    doctor.prepareJoin(foreign)
    await Promise.resolve()
    expect(happened.filter((h) => h.what === 'dial')).toEqual([])
  })
})
