// Visits, both sides. The patient opens an invite (QR code and link), the doctor's browser
// connects directly and asks; the patient sees who asks, chooses a scope and a duration, and
// the grant goes on-chain before the answer goes back. The doctor's app records the visit.
import { createSignal, onCleanup, type Accessor } from 'solid-js'
import { bytesToHex, hexToBytes, type Hex } from 'viem'
import {
  decodeScope,
  describeScope,
  encodeScope,
  grant,
  logVisit,
  publishEncryptionKey,
  readEncryptionKey,
  recordCategories,
  signVisitRequest,
  verifyVisitRequest,
  type RecordCategory
} from '../../chain/index.ts'
import {
  createVisitInvite,
  decodeVisitInvite,
  encodeVisitInvite,
  InviteBook,
  invitesThroughRelays,
  inviteSecondsLeft,
  requestVisit,
  serveVisits,
  type IncomingVisit,
  type VisitInvite
} from '../../p2p/index.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import type { HistorySession, PatientReading } from '../session/createHistorySession.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'
import { rememberPatientDevice } from './patientDevices.ts'
import { visitLink } from './visitLink.ts'

export interface OpenInvite {
  invite: VisitInvite
  link: string
}

export interface PendingRequest {
  id: number
  doctor: string
  name: string
  state: 'waiting' | 'granting' | 'approved' | 'declined' | 'gone'
  error?: string
  outcome?: string
}

export type JoinStep =
  | { step: 'idle' }
  | { step: 'unlocking' }
  | { step: 'registering-key' }
  | { step: 'connecting' }
  | { step: 'signing' }
  | { step: 'waiting' }
  | {
      step: 'approved'
      description: string
      expiry: Date
      mayWrite: boolean
      recorded: 'recording' | 'recorded' | 'failed'
      recordError?: string
      /** The patient's history as it replicates here, once the shared keys opened it. */
      reading?: PatientReading
      readError?: string
    }
  | { step: 'declined'; reason: string }
  | { step: 'refused'; message: string }
  | { step: 'failed'; message: string }

export interface Visits {
  // The patient's side.
  openInvite: Accessor<OpenInvite | undefined>
  inviteError: Accessor<string | undefined>
  requests: Accessor<PendingRequest[]>
  startVisit(): Promise<void>
  cancelInvite(): void
  approve(id: number, choice: { categories: RecordCategory[]; mayWrite: boolean; days: number }): Promise<void>
  decline(id: number): Promise<void>
  // The doctor's side: where joining the invite `encoded` stands (idle for any other invite).
  join(encoded: string): JoinStep
  joinVisit(encoded: string, name: string): Promise<void>
  /**
   * Dials the patient's device of invite `encoded` before the doctor asks (while they type their
   * name): nothing is sent but the connection itself. joinVisit uses it. Needs no wallet prompt.
   */
  prepareJoin(encoded: string): void
  /** The doctor left the join page of `encoded` without asking: the early connection is closed. */
  abandonJoin(encoded: string): void
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const relayWords = (state: 'none' | 'connecting' | 'reserved' | 'unreachable'): string =>
  state === 'none' ? 'none is configured' : state === 'connecting' ? 'still connecting' : state === 'unreachable' ? 'it is unreachable' : 'reserved'

export function createVisits(app: AppStore, session: HistorySession): Visits {
  const book = new InviteBook()
  const incoming = new Map<number, IncomingVisit>()
  let nextId = 1
  let stopServing: (() => Promise<void>) | undefined
  const [openInvite, setOpenInvite] = createSignal<OpenInvite>()
  const [inviteError, setInviteError] = createSignal<string>()
  const [requests, setRequests] = createSignal<PendingRequest[]>([])
  const [joining, setJoining] = createSignal<{ invite: string; step: JoinStep }>({ invite: '', step: { step: 'idle' } })
  let currentInvite = ''
  const setJoin = (step: JoinStep): void => {
    setJoining({ invite: currentInvite, step })
  }
  const join = (encoded: string): JoinStep => (joining().invite === encoded ? joining().step : { step: 'idle' })
  onCleanup(() => void stopServing?.())

  const update = (id: number, change: Partial<PendingRequest>): void => {
    setRequests((list) => list.map((r) => (r.id === id ? { ...r, ...change } : r)))
  }

  const ready = () => {
    const context = ledgerContext(app)
    const node = app.p2pNode()
    return context === undefined || node === undefined ? undefined : { ...context, node }
  }

  const onVisit = async (visit: IncomingVisit): Promise<void> => {
    const s = ready()
    if (s === undefined) {
      await visit.answer({ t: 'refused', message: "The patient's app is not ready: their wallet is not connected." })
      return
    }
    try {
      book.redeem(visit.request.token)
    } catch (error) {
      await visit.answer({ t: 'refused', message: message(error) })
      return
    }
    let signed: boolean
    try {
      signed = await verifyVisitRequest(s.client, {
        doctor: visit.request.doctor,
        signature: visit.request.signature as Hex,
        token: visit.request.token,
        patient: s.wallet.address,
        doctorPeer: visit.from.toString()
      })
    } catch (error) {
      // Not a forgery: the check itself could not run (e.g. the chain is unreachable). Say so to both sides.
      setInviteError(`A doctor asked to join, but their signature could not be checked: ${message(error)}`)
      await visit.answer({ t: 'refused', message: `The patient's app could not check your signature (${message(error)}). Ask the patient to start the visit again.` })
      return
    }
    if (!signed) {
      await visit.answer({ t: 'refused', message: 'The request is not signed by the address it names; the patient was not asked.' })
      return
    }
    const id = nextId++
    incoming.set(id, visit)
    setOpenInvite(undefined)
    setRequests((list) => [...list, { id, doctor: visit.request.doctor, name: visit.request.name, state: 'waiting' }])
    visit.signal.addEventListener('abort', () => {
      if (requests().find((r) => r.id === id)?.state === 'waiting') update(id, { state: 'gone', error: "The doctor's browser went away before you decided." })
    })
  }

  const startVisit = async (): Promise<void> => {
    setInviteError(undefined)
    const s = ready()
    if (s === undefined) {
      setInviteError('Connect a wallet, and wait for the peer-to-peer node to start, before starting a visit.')
      return
    }
    const { circuitAddress: address, state: relay } = s.node.status().relay
    if (address === undefined || relay !== 'reserved') {
      setInviteError(
        `Your app is not connected to the relay (${relayWords(relay)}), and a doctor's browser finds yours through it. It keeps trying: start the visit once the connection status at the top says "relay reserved".`
      )
      return
    }
    try {
      const invite = createVisitInvite({ addresses: [address], patient: s.wallet.address, chainId: s.config.chain.id })
      stopServing ??= await serveVisits(s.node.libp2p, (visit) => void onVisit(visit))
      book.issue(invite)
      const previous = openInvite()
      if (previous !== undefined) book.cancel(previous.invite.token)
      setOpenInvite({ invite, link: visitLink(`${location.origin}${location.pathname}`, encodeVisitInvite(invite)) })
    } catch (error) {
      setInviteError(message(error))
    }
  }

  const cancelInvite = (): void => {
    const open = openInvite()
    if (open !== undefined) book.cancel(open.invite.token)
    setOpenInvite(undefined)
  }

  const approve = async (id: number, choice: { categories: RecordCategory[]; mayWrite: boolean; days: number }): Promise<void> => {
    const visit = incoming.get(id)
    const s = ready()
    if (visit === undefined || s === undefined) return
    update(id, { state: 'granting', error: undefined })
    try {
      // The doctor reads with the history's data keys, wrapped for their published key: the history must be open here.
      if (session.own() === undefined) await session.unlock()
      const own = session.own()
      if (own === undefined) throw new Error('Open your history first (My history): its keys are what you share with the doctor.')
      const doctorKey = await readEncryptionKey(s.client, { registry: s.registry, user: visit.request.doctor })
      if (doctorKey === null) throw new Error('This doctor has not published an encryption key, so nothing can be shared with them. Ask them to join again.')
      const scope = { categories: choice.categories, mayWrite: choice.mayWrite }
      const expiry = new Date(Date.now() + choice.days * 24 * 3600 * 1000)
      const result = await grant(s.client, s.wallet.client, {
        ledger: s.ledger,
        registry: s.registry,
        doctor: visit.request.doctor,
        expiry,
        scope
      })
      await visit.answer({
        t: 'approved',
        expiry: Math.floor(expiry.getTime() / 1000),
        scope: encodeScope(scope),
        transactionHash: result.transactionHash,
        // Only the chosen kinds of record: the others stay sealed to this doctor.
        wrappedKey: await own.wrapFor(
          hexToBytes(doctorKey),
          choice.categories.map((category) => recordCategories.indexOf(category))
        ),
        history: own.log.address
      })
      incoming.delete(id)
      update(id, { state: 'approved', outcome: `${describeScope(scope)} until ${expiry.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })}` })
    } catch (error) {
      update(id, { state: 'waiting', error: message(error) })
    }
  }

  const decline = async (id: number): Promise<void> => {
    const visit = incoming.get(id)
    if (visit === undefined) return
    incoming.delete(id)
    update(id, { state: 'declined' })
    await visit.answer({ t: 'declined', reason: 'The patient declined.' }).catch(() => undefined)
  }

  type Dialled = { connectedTo?: string; lastError?: unknown }
  /** Dials the invite's addresses in turn until one gives a direct connection. */
  const dialInvite = (s: NonNullable<ReturnType<typeof ready>>, invite: VisitInvite): Promise<Dialled> =>
    (async () => {
      let lastError: unknown
      for (const address of invite.addresses) {
        try {
          if ((await s.node.dial(address)).direct) {
            performance.mark('visit:direct')
            return { connectedTo: address }
          }
        } catch (error) {
          lastError = error
        }
      }
      return { lastError }
    })()
  // The dial started when the join page opened, for that invite.
  let early: { encoded: string; dialing: Promise<Dialled> } | undefined

  const usableInvite = (s: NonNullable<ReturnType<typeof ready>>, encoded: string): VisitInvite | undefined => {
    try {
      const invite = decodeVisitInvite(encoded)
      return inviteSecondsLeft(invite) > 0 && invite.chainId === s.config.chain.id ? invite : undefined
    } catch {
      return undefined
    }
  }

  const prepareJoin = (encoded: string): void => {
    const s = ready()
    if (s === undefined || early?.encoded === encoded) return
    const invite = usableInvite(s, encoded)
    // What is wrong with an invite is said when the doctor asks; nothing to prepare for it. Before the
    // doctor asks, their browser dials only through a relay of this deployment, never a host a
    // crafted QR code names.
    if (invite === undefined || !invitesThroughRelays(invite, s.config.relays)) return
    early = { encoded, dialing: dialInvite(s, invite) }
  }

  const abandonJoin = (encoded: string): void => {
    if (early?.encoded !== encoded || currentInvite === encoded) return
    const { dialing } = early
    early = undefined
    // The doctor left without asking: hang up on the patient's device.
    void dialing.then(async ({ connectedTo }) => {
      const s = ready()
      if (s === undefined || connectedTo === undefined || currentInvite === encoded) return
      await s.node.hangUp(connectedTo).catch(() => undefined)
    })
  }

  const joinVisit = async (encoded: string, name: string): Promise<void> => {
    performance.mark('visit:join-start')
    // A new visit ends the history read in the last one.
    const previous = joining().step
    if (previous.step === 'approved') void previous.reading?.close()
    currentInvite = encoded
    const s = ready()
    if (s === undefined) {
      setJoin({ step: 'failed', message: 'Connect a wallet, and wait for the peer-to-peer node to start, before joining a visit.' })
      return
    }
    try {
      const invite = decodeVisitInvite(encoded)
      if (inviteSecondsLeft(invite) <= 0) {
        setJoin({ step: 'refused', message: 'This invite has expired. Ask the patient to show a new one.' })
        return
      }
      if (invite.chainId !== s.config.chain.id) {
        setJoin({ step: 'refused', message: `This invite is for chain ${invite.chainId}, but this app is on ${s.config.chain.name} (${s.config.chain.id}).` })
        return
      }
      // The direct connection comes up while the wallet opens this device's keys and signs the
      // request. It is dialled again even after the page's opening dialled it: that connection may
      // have dropped since, or never come up (the node answers at once for one still live).
      const opened = early?.encoded === encoded ? early.dialing : undefined
      early = undefined
      const dialing = (opened ?? Promise.resolve()).then(() => dialInvite(s, invite))
      // The keys that read the patient's history are this wallet's, on this device.
      if (session.keys() === undefined) {
        setJoin({ step: 'unlocking' })
        await session.unlock()
      }
      const keys = session.keys()
      if (keys === undefined) {
        const state = session.state()
        throw new Error(state.state === 'failed' ? state.error : 'Your keys could not be opened on this device.')
      }
      // Without a published key the patient's grant would be useless: register first.
      const published = await readEncryptionKey(s.client, { registry: s.registry, user: s.wallet.address })
      if (published === null || published.toLowerCase() !== bytesToHex(keys.encryption.publicKey)) {
        setJoin({ step: 'registering-key' })
        await publishEncryptionKey(s.client, s.wallet.client, { registry: s.registry, publicKey: keys.encryption.publicKey })
      }
      // The request names this node, not the connection: it is signed while the dial goes on.
      setJoin({ step: 'signing' })
      const signature = await signVisitRequest(s.wallet.client, { token: invite.token, patient: invite.patient, doctorPeer: s.node.libp2p.peerId.toString() })
      setJoin({ step: 'connecting' })
      const { connectedTo, lastError } = await dialing
      if (connectedTo === undefined) {
        const relay = s.node.status().relay.state
        const viaOurRelay = invitesThroughRelays(invite, s.config.relays)
        setJoin({
          step: 'failed',
          message:
            viaOurRelay && relay !== 'reserved'
              ? `Could not reach the patient's device: your app is not connected to the relay (${relayWords(relay)}) that connects you to it. It keeps trying: ask again once the connection status at the top says "relay reserved".`
              : `Could not reach the patient's device: ${lastError === undefined ? 'no direct connection' : message(lastError)}. Is their app open?`
        })
        return
      }
      const peer = connectedTo.split('/p2p/').pop() ?? connectedTo
      rememberPatientDevice(invite.patient, { peer, address: connectedTo })
      // The history's blocks are ciphertext, served to any peer: fetch them while the patient decides,
      // so that an approval only has to decrypt. Without the key they stay unreadable.
      const dropPrefetch = session.prefetchPatient(invite.patient, peer)
      setJoin({ step: 'waiting' })
      const answer = await requestVisit(s.node.libp2p, connectedTo, { token: invite.token, doctor: s.wallet.address, name, signature }, AbortSignal.timeout(10 * 60 * 1000))
      if (answer.t === 'declined') {
        await dropPrefetch()
        setJoin({ step: 'declined', reason: answer.reason })
        return
      }
      if (answer.t === 'refused') {
        await dropPrefetch()
        setJoin({ step: 'refused', message: answer.message })
        return
      }
      const expiry = new Date(answer.expiry * 1000)
      const scope = decodeScope(answer.scope)
      const approved = { step: 'approved' as const, description: describeScope(scope), expiry, mayWrite: scope.mayWrite }
      let reading: PatientReading | undefined
      let readError: string | undefined
      if (answer.wrappedKey === undefined) readError = "The patient's app shared no key, so their history cannot be read here."
      else {
        try {
          reading = await session.readPatient(invite.patient, answer.wrappedKey, peer, async () => {
            // The patient's device may have gone away and come back (same peer id, same relay): dial it again.
            if (s.node.libp2p.getConnections().some((c) => c.remotePeer.toString() === peer && c.status === 'open' && c.limits == null)) return
            await s.node.dial(connectedTo)
          })
        } catch (error) {
          readError = message(error)
        }
      }
      const withReading = { ...(reading === undefined ? {} : { reading }), ...(readError === undefined ? {} : { readError }) }
      setJoin({ ...approved, recorded: 'recording', ...withReading })
      try {
        await logVisit(s.client, s.wallet.client, { ledger: s.ledger, patient: invite.patient })
        setJoin({ ...approved, recorded: 'recorded', ...withReading })
      } catch (error) {
        setJoin({ ...approved, recorded: 'failed', recordError: message(error), ...withReading })
      }
    } catch (error) {
      setJoin({ step: 'failed', message: message(error) })
    }
  }

  return { openInvite, inviteError, requests, startVisit, cancelInvite, approve, decline, join, joinVisit, prepareJoin, abandonJoin }
}
