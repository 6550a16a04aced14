// The patient's half of a visit, step by step, against a doctor's browser that asks over an
// in-memory network with a really signed request (EIP-712, checked as the app checks it).
import type { Hex } from 'viem'
import { describe, expect, it, vi } from 'vitest'
import { decodeScope, encodeScope, recordCategories, visitRequestTypedData, type VisitRequestDomain } from '../chain/index.ts'
import { decodeVisitInvite, type AnswerKeeper, type VisitAnswer, type VisitInvite } from '../p2p/index.ts'
import {
  APP_ORIGIN,
  CHAIN,
  contextFor,
  DOCTOR_KEY,
  DOCTOR_PEER,
  DOMAIN,
  EVENTUALLY,
  fakeLedger,
  fakeNetwork,
  fakePatientHistory,
  fakeWallet,
  type FakeWallet,
  type Happening,
  HISTORY_ADDRESS,
  manualClock,
  PATIENT_ADDRESS,
  PATIENT_KEY,
  STRANGER_KEY
} from '../../test/support/visitFakes.ts'
import { createPatientVisits, type OpenInvite } from './patientVisits.ts'

const DOCTOR_PUBLIC_KEY = `0x${'d0'.repeat(32)}` as const
const NOT_SIGNED = 'The request is not signed by the address it names, for this app and this patient; the patient was not asked.'
const KEY_MISMATCH = "The key the doctor signed does not match the key registered for them: the chain's provider may be lying. Nothing was shared with them."
const DAY_MS = 24 * 3600 * 1000

interface Asking {
  /** Who signs the request. */
  signer?: FakeWallet
  name?: string
  /** Whose address the request names. */
  claims?: FakeWallet
  /** The deployment and origin the signature was made for. */
  domain?: VisitRequestDomain
  origin?: string
  /** The key the doctor signs, and the one the request carries (the signed one unless changed on the way). */
  signedKey?: Hex
  sentKey?: Hex
}

function setUp({ historyOpen = true, historyOpensOnUnlock = true, ready = true, doctorKeyPublished = true, keepers = [] as readonly AnswerKeeper[] } = {}) {
  const happened: Happening[] = []
  const clock = manualClock()
  const network = fakeNetwork(happened)
  const ledger = fakeLedger(happened)
  const patient = fakeWallet(PATIENT_KEY)
  const doctor = fakeWallet(DOCTOR_KEY)
  if (doctorKeyPublished) ledger.keys.set(doctor.account.address.toLowerCase(), DOCTOR_PUBLIC_KEY)
  const history = fakePatientHistory({ open: historyOpen, opensOnUnlock: historyOpensOnUnlock, keepers })
  // What the patient's chain provider makes up about registered keys (none unless a test says so).
  const providerLies = new Map<string, Hex | null>()
  const visits = createPatientVisits({
    ready: () => (ready ? contextFor(patient, ledger.as(patient, providerLies), network.patient) : undefined),
    history: history.port,
    linkTo: (encoded) => `https://app.example/#/visit/join/${encoded}`,
    origin: APP_ORIGIN,
    clock
  })
  const answers = (): VisitAnswer[] => happened.flatMap((h) => (h.what === 'answer' ? [h.answer] : []))

  /** A doctor's browser connects and asks with a request `signer` signed; resolves to the patient's answer. */
  const doctorAsks = async (
    invite: VisitInvite,
    { signer = doctor, name = 'Dr Ada', claims = doctor, domain = DOMAIN, origin = APP_ORIGIN, signedKey = DOCTOR_PUBLIC_KEY, sentKey = signedKey }: Asking = {}
  ): Promise<VisitAnswer> => {
    await network.doctor.dial(PATIENT_ADDRESS)
    const terms = { origin, token: invite.token, patient: invite.patient, doctorPeer: DOCTOR_PEER, encryptionKey: signedKey }
    const signature = await signer.account.signTypedData(visitRequestTypedData(domain, terms))
    return await network.doctor.requestVisit(PATIENT_ADDRESS, { token: invite.token, doctor: claims.account.address, name, encryptionKey: sentKey, signature }, new AbortController().signal)
  }

  const openInvite = async (): Promise<VisitInvite> => {
    await visits.startVisit()
    const open = visits.state.get().openInvite
    if (open === undefined) throw new Error(`no invite: ${visits.state.get().inviteError ?? ''}`)
    return open.invite
  }

  /** Opens an invite and lets the doctor ask; resolves once the patient sees the request. */
  const requestArrives = async (): Promise<{ id: number; answer: Promise<VisitAnswer> }> => {
    const answer = doctorAsks(await openInvite())
    await vi.waitFor(() => expect(visits.state.get().requests).toHaveLength(1), EVENTUALLY)
    const request = visits.state.get().requests[0]
    if (request === undefined) throw new Error('no request')
    return { id: request.id, answer }
  }

  return { happened, clock, network, patient, doctor, history, visits, answers, doctorAsks, openInvite, requestArrives, providerLies }
}

describe('the patient opens an invite', () => {
  it('shows a link with an invite for this patient and chain, reachable through the relay, good for ten minutes', async () => {
    const { visits, patient, clock } = setUp()
    await visits.startVisit()
    const { openInvite, inviteError } = visits.state.get()
    expect(inviteError).toBeUndefined()
    if (openInvite === undefined) throw new Error('no invite')
    expect(openInvite.link).toMatch(/^https:\/\/app\.example\/#\/visit\/join\//)
    const fromLink = decodeVisitInvite(openInvite.link.split('/visit/join/')[1] ?? '')
    expect(fromLink).toEqual(openInvite.invite)
    expect(fromLink.patient).toBe(patient.account.address)
    expect(fromLink.chainId).toBe(CHAIN.id)
    expect(fromLink.addresses).toEqual([PATIENT_ADDRESS])
    expect(fromLink.expires).toBe(Math.floor(clock.now() / 1000) + 600)
  })

  it('says to wait for the relay when the device is not reachable yet, and opens no invite', async () => {
    const { visits, network } = setUp()
    network.setPatientRelay('connecting')
    await visits.startVisit()
    expect(visits.state.get().openInvite).toBeUndefined()
    expect(visits.state.get().inviteError).toContain('not connected to the relay (still connecting)')
  })

  it('asks for a wallet first when the app is not ready', async () => {
    const { visits } = setUp({ ready: false })
    await visits.startVisit()
    expect(visits.state.get().openInvite).toBeUndefined()
    expect(visits.state.get().inviteError).toBe('Connect a wallet, and wait for the peer-to-peer node to start, before starting a visit.')
  })

  it('tells a listener of each change until it stops listening', async () => {
    const { visits } = setUp()
    const seen: (OpenInvite | undefined)[] = []
    const stop = visits.state.subscribe((state) => seen.push(state.openInvite))
    await visits.startVisit()
    expect(seen.at(-1)).toBeDefined()
    expect(seen.at(-1)).toBe(visits.state.get().openInvite)
    const heard = seen.length
    stop()
    visits.cancelInvite()
    expect(visits.state.get().openInvite).toBeUndefined()
    expect(seen).toHaveLength(heard)
  })
})

describe('a doctor asks', () => {
  it('shows the request with the signing address and the name given, and closes the invite', async () => {
    const { visits, doctor, answers, requestArrives } = setUp()
    await requestArrives()
    expect(visits.state.get().requests).toEqual([{ id: 1, doctor: doctor.account.address, name: 'Dr Ada', state: 'waiting', checkCode: expect.stringMatching(/^\d{3} \d{3}$/) as string, signer: 'account' }])
    expect(visits.state.get().openInvite).toBeUndefined()
    expect(answers()).toEqual([])
  })

  it('refuses a request signed by another wallet than the one it names, without asking the patient', async () => {
    const { visits, openInvite, doctorAsks } = setUp()
    const answer = await doctorAsks(await openInvite(), { signer: fakeWallet(STRANGER_KEY) })
    expect(answer).toEqual({ t: 'refused', message: NOT_SIGNED })
    expect(visits.state.get().requests).toEqual([])
  })

  it.each<[string, Asking]>([
    ['another origin (a copy of the app elsewhere)', { origin: 'https://app.example.evil' }],
    ['another chain', { domain: { ...DOMAIN, chainId: 1 } }],
    ['another consent contract (another deployment)', { domain: { ...DOMAIN, verifyingContract: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0' } }]
  ])("refuses the doctor's own request signed for %s, without asking the patient, and leaves the invite to a request made for this app", async (_, asking) => {
    const { visits, openInvite, doctorAsks, doctor } = setUp()
    const invite = await openInvite()
    expect(await doctorAsks(invite, asking)).toEqual({ t: 'refused', message: NOT_SIGNED })
    expect(visits.state.get().requests).toEqual([])
    void doctorAsks(invite)
    await vi.waitFor(() => expect(visits.state.get().requests).toMatchObject([{ doctor: doctor.account.address, state: 'waiting' }]), EVENTUALLY)
  })

  it('refuses a request whose key was changed on the way: the signature covers it', async () => {
    const { visits, openInvite, doctorAsks, answers } = setUp()
    const answer = await doctorAsks(await openInvite(), { sentKey: `0x${'66'.repeat(32)}` })
    expect(answer).toEqual({ t: 'refused', message: NOT_SIGNED })
    expect(visits.state.get().requests).toEqual([])
    expect(answers()).toEqual([answer])
  })

  it("refuses a request whose signed key is not the one the chain's provider returns for the doctor, and shows why; nothing is granted or wrapped", async () => {
    const { visits, openInvite, doctorAsks, doctor, happened, providerLies } = setUp()
    // The provider substitutes a key of its own for the doctor's.
    providerLies.set(doctor.account.address.toLowerCase(), `0x${'ee'.repeat(32)}`)
    const invite = await openInvite()
    const answer = await doctorAsks(invite)
    expect(answer).toEqual({ t: 'refused', message: expect.stringContaining("the encryption key you signed is not the one the chain's provider returns for you") as string })
    expect(visits.state.get().requests).toMatchObject([{ doctor: doctor.account.address, name: 'Dr Ada', state: 'refused', error: KEY_MISMATCH }])
    expect(happened.filter((h) => h.what === 'grant')).toEqual([])
    // Nothing to approve: the refused request wraps nothing, whatever is clicked.
    await visits.approve(1, { categories: ['conditions'], mayWrite: false, days: 7 })
    expect(happened.filter((h) => h.what === 'grant' || (h.what === 'answer' && h.answer.t === 'approved'))).toEqual([])
    // The invite was not spent: once the provider answers truly, the doctor gets in.
    expect(visits.state.get().openInvite?.invite).toEqual(invite)
    providerLies.clear()
    void doctorAsks(invite)
    await vi.waitFor(() => expect(visits.state.get().requests.map((r) => r.state)).toEqual(['refused', 'waiting']), EVENTUALLY)
  })

  it('refuses a doctor the provider says registered no key, and shows why', async () => {
    const { visits, openInvite, doctorAsks, happened } = setUp({ doctorKeyPublished: false })
    const answer = await doctorAsks(await openInvite())
    expect(answer).toEqual({ t: 'refused', message: expect.stringContaining('finds no encryption key registered for you') as string })
    expect(visits.state.get().requests).toMatchObject([
      { state: 'refused', error: 'This doctor has not published an encryption key, so nothing can be shared with them. Ask them to join again.' }
    ])
    expect(happened.filter((h) => h.what === 'grant')).toEqual([])
  })

  it('a refused forgery does not spend the invite: the doctor it was shown to still gets in', async () => {
    const { visits, openInvite, doctorAsks, doctor } = setUp()
    const invite = await openInvite()
    const forged = await doctorAsks(invite, { signer: fakeWallet(STRANGER_KEY), name: 'Dr Smith' })
    expect(forged).toMatchObject({ t: 'refused' })
    void doctorAsks(invite, { name: 'Dr Ada' })
    await vi.waitFor(() => expect(visits.state.get().requests).toMatchObject([{ id: 1, doctor: doctor.account.address, name: 'Dr Ada', state: 'waiting' }]), EVENTUALLY)
  })

  it('refuses an expired invite', async () => {
    const { visits, clock, openInvite, doctorAsks } = setUp()
    const invite = await openInvite()
    clock.advance(11 * 60 * 1000)
    const answer = await doctorAsks(invite)
    expect(answer).toEqual({ t: 'refused', message: 'This invite has expired. Ask the patient to show a new one.' })
    expect(visits.state.get().requests).toEqual([])
  })

  it('refuses an invite used before', async () => {
    const { visits, openInvite, doctorAsks } = setUp()
    const invite = await openInvite()
    void doctorAsks(invite, { name: 'Dr First' })
    await vi.waitFor(() => expect(visits.state.get().requests).toHaveLength(1), EVENTUALLY)
    const second = await doctorAsks(invite, { name: 'Dr Second' })
    expect(second).toEqual({ t: 'refused', message: 'This invite was already used. Ask the patient to start a new visit.' })
    expect(visits.state.get().requests.map((r) => r.name)).toEqual(['Dr First'])
  })

  it('refuses an invite the patient cancelled, or replaced by a new one', async () => {
    const { visits, openInvite, doctorAsks } = setUp()
    const cancelled = await openInvite()
    visits.cancelInvite()
    expect(visits.state.get().openInvite).toBeUndefined()
    expect(await doctorAsks(cancelled)).toMatchObject({ t: 'refused', message: expect.stringContaining('did not issue this invite') as string })
    const replaced = await openInvite()
    await openInvite()
    expect(await doctorAsks(replaced)).toMatchObject({ t: 'refused', message: expect.stringContaining('did not issue this invite') as string })
    expect(visits.state.get().requests).toEqual([])
  })

  it('marks the request gone when the doctor leaves before the patient decides', async () => {
    const { visits, network, requestArrives } = setUp()
    await requestArrives()
    network.doctorGoesAway()
    expect(visits.state.get().requests[0]).toMatchObject({ state: 'gone', error: "The doctor's browser went away before you decided." })
  })
})

describe('the patient approves', () => {
  it('sends the grant with the chosen scope and expiry first, then the chosen categories’ keys for the doctor’s key, and says what was granted', async () => {
    const { visits, happened, patient, doctor, clock, requestArrives } = setUp()
    const { id, answer } = await requestArrives()
    await visits.approve(id, { categories: ['allergies', 'conditions'], mayWrite: true, days: 7 })
    const expiry = new Date(clock.now() + 7 * DAY_MS)
    expect(happened.filter((h) => h.what === 'grant' || h.what === 'answer').map((h) => h.what)).toEqual(['grant', 'answer'])
    expect(happened.find((h) => h.what === 'grant')).toEqual({
      what: 'grant',
      patient: patient.account.address,
      doctor: doctor.account.address,
      expiry,
      scope: { categories: ['allergies', 'conditions'], mayWrite: true }
    })
    const received = await answer
    if (received.t !== 'approved') throw new Error(`not approved: ${received.t}`)
    expect(received.expiry).toBe(Math.floor(expiry.getTime() / 1000))
    expect(decodeScope(received.scope)).toEqual({ categories: ['conditions', 'allergies'], mayWrite: true })
    expect(received.history).toBe(HISTORY_ADDRESS)
    expect(received.transactionHash).toBe(`0x${'ab'.repeat(32)}`)
    // The keys of those two categories only, for the key the doctor published.
    const wrapped = JSON.parse(new TextDecoder().decode(received.wrappedKey)) as { reader: string; categories: number[] }
    expect(wrapped.reader).toBe(`0x${'d0'.repeat(32)}`)
    expect(wrapped.categories.map((index) => recordCategories[index]).sort()).toEqual(['allergies', 'conditions'])
    expect(visits.state.get().requests[0]).toMatchObject({ state: 'approved', outcome: 'read and write access to conditions, allergies until 12 Dec 2026' })
    expect(visits.state.get().requests[0]?.error).toBeUndefined()
  })

  it('names the patient’s keepers, where the doctor follows up while this device is offline: at most four, and only addresses a browser can dial', async () => {
    const wallet = `0x${'ee'.repeat(20)}`
    const keeper = (port: number): AnswerKeeper => ({ address: `/ip4/10.233.0.1/tcp/${port}/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN`, keeper: wallet })
    const tcpOnly = { address: '/ip4/10.233.0.1/tcp/9000/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', keeper: wallet }
    const { visits, requestArrives } = setUp({ keepers: [keeper(9001), tcpOnly, keeper(9002), keeper(9003), keeper(9004), keeper(9005)] })
    const { id, answer } = await requestArrives()
    await visits.approve(id, { categories: ['allergies'], mayWrite: true, days: 7 })
    expect(await answer).toMatchObject({ t: 'approved', keepers: [keeper(9001), keeper(9002), keeper(9003), keeper(9004)] })
  })

  it('sends a read-only scope when the patient does not let the doctor write', async () => {
    const { visits, requestArrives } = setUp()
    const { id, answer } = await requestArrives()
    await visits.approve(id, { categories: ['medications'], mayWrite: false, days: 1 })
    const received = await answer
    expect(received).toMatchObject({ t: 'approved', scope: encodeScope({ categories: ['medications'], mayWrite: false }) })
    expect(visits.state.get().requests[0]?.outcome).toBe('read access to medications until 6 Dec 2026')
  })

  it('when the wallet refuses the grant, sends nothing, keeps the request open with the reason, and approving again works', async () => {
    const { visits, patient, answers, happened, requestArrives } = setUp()
    const { id, answer } = await requestArrives()
    patient.refusing.add('grant')
    await visits.approve(id, { categories: ['conditions'], mayWrite: false, days: 30 })
    expect(happened.filter((h) => h.what === 'grant')).toEqual([])
    expect(answers()).toEqual([])
    expect(visits.state.get().requests[0]).toMatchObject({ state: 'waiting', error: 'The wallet declined to grant access. Nothing was sent.' })

    patient.refusing.delete('grant')
    await visits.approve(id, { categories: ['conditions'], mayWrite: false, days: 30 })
    expect(await answer).toMatchObject({ t: 'approved' })
    expect(visits.state.get().requests[0]?.state).toBe('approved')
    expect(visits.state.get().requests[0]?.error).toBeUndefined()
  })

  it('opens the history first when it is locked, since its keys are what is shared', async () => {
    const { visits, history, requestArrives } = setUp({ historyOpen: false })
    const { id, answer } = await requestArrives()
    await visits.approve(id, { categories: ['conditions'], mayWrite: false, days: 7 })
    expect(history.calls.unlocks).toBe(1)
    expect(await answer).toMatchObject({ t: 'approved' })
  })

  it('says to open the history when it stays locked, and grants nothing', async () => {
    const { visits, happened, requestArrives } = setUp({ historyOpen: false, historyOpensOnUnlock: false })
    const { id } = await requestArrives()
    await visits.approve(id, { categories: ['conditions'], mayWrite: false, days: 7 })
    expect(happened.filter((h) => h.what === 'grant' || h.what === 'answer')).toEqual([])
    expect(visits.state.get().requests[0]).toMatchObject({
      state: 'waiting',
      error: 'Open your history first (My history): its keys are what you share with the doctor.'
    })
  })

  it("refuses at approval when the provider's key for the doctor no longer matches the signed one: no grant, nothing wrapped", async () => {
    const { visits, happened, doctor, providerLies, requestArrives } = setUp()
    const { id, answer } = await requestArrives()
    providerLies.set(doctor.account.address.toLowerCase(), `0x${'ee'.repeat(32)}`)
    await visits.approve(id, { categories: ['conditions'], mayWrite: false, days: 7 })
    expect(happened.filter((h) => h.what === 'grant')).toEqual([])
    expect(await answer).toMatchObject({ t: 'refused' })
    expect(visits.state.get().requests[0]).toMatchObject({ state: 'refused', error: KEY_MISMATCH })
    await visits.approve(id, { categories: ['conditions'], mayWrite: false, days: 7 })
    expect(happened.filter((h) => h.what === 'grant')).toEqual([])
  })

  it("grants nothing when the provider loses the doctor's key before approval, and says so", async () => {
    const { visits, happened, answers, doctor, providerLies, requestArrives } = setUp()
    const { id } = await requestArrives()
    providerLies.set(doctor.account.address.toLowerCase(), null)
    await visits.approve(id, { categories: ['conditions'], mayWrite: false, days: 7 })
    expect(happened.filter((h) => h.what === 'grant')).toEqual([])
    expect(answers()).toEqual([])
    expect(visits.state.get().requests[0]).toMatchObject({
      state: 'waiting',
      error: 'This doctor has not published an encryption key, so nothing can be shared with them. Ask them to join again.'
    })
  })
})

describe('the patient declines', () => {
  it('tells the doctor, grants nothing and shares no key', async () => {
    const { visits, happened, requestArrives } = setUp()
    const { id, answer } = await requestArrives()
    await visits.decline(id)
    expect(await answer).toEqual({ t: 'declined', reason: 'The patient declined.' })
    expect(happened.filter((h) => h.what === 'grant')).toEqual([])
    expect(visits.state.get().requests[0]?.state).toBe('declined')
    // A declined request cannot be approved afterwards.
    await visits.approve(id, { categories: ['conditions'], mayWrite: false, days: 7 })
    expect(happened.filter((h) => h.what === 'grant')).toEqual([])
  })
})

