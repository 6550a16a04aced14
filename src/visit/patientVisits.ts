// The patient's half of a visit. The patient opens an invite (a link and QR code, once only,
// for minutes); a doctor's browser connects directly and asks, signed by the doctor's wallet for
// this app, this deployment and the doctor's encryption key; the patient sees who asks, chooses
// the kinds of record and a duration, and the grant goes on-chain before the answer, with those
// categories' keys wrapped for the key the doctor signed, goes back.
import { hexToBytes, type Hex } from 'viem'
import { describeScope, encodeScope, recordCategories, type RecordCategory, type VisitRequestSigner } from '../chain/index.ts'
import { createVisitInvite, encodeVisitInvite, InviteBook, MAX_ANSWER_KEEPERS, parseAnswerKeepers, type VisitInvite } from '../p2p/index.ts'
import { errorMessage } from '../errors/index.ts'
import { relayWords } from './relayWords.ts'
import { visitCheckCode } from './visitCheckCode.ts'
import { createCell, type Cell } from '../session/index.ts'
import { VisitError } from './visitError.ts'
import { systemClock, type Clock, type IncomingVisitRequest, type PatientHistoryPort, type VisitContext } from './visitPorts.ts'

/** The invite the patient shows, until a doctor uses it or the patient cancels it. */
export interface OpenInvite {
  invite: VisitInvite
  /** The visit link (the app's address with the invite in its fragment), also drawn as a QR code. */
  link: string
}

/** A doctor's request, as the patient sees it and decides on it. */
export interface PendingRequest {
  id: number
  /** The doctor's wallet address: their signature over the request proves it. */
  doctor: string
  /** The name the doctor gave: self-declared, and shown as such. */
  name: string
  state: 'waiting' | 'granting' | 'approved' | 'declined' | 'refused' | 'gone'
  /** Why the last step failed (the request stays open), or why it is refused or gone. */
  error?: string
  /** What was granted, e.g. "Conditions, Allergies until 12 Dec 2026". */
  outcome?: string
  /** The code the doctor's screen shows for this request (visitCheckCode): the patient compares the two before approving. */
  checkCode: string
  /** How the doctor's signature was checked: here (a plain account), or by the chain's RPC (a contract wallet). */
  signer: VisitRequestSigner
}

/** What the patient chose to grant: the kinds of record, write access, and for how many days. */
export interface VisitChoice {
  categories: RecordCategory[]
  mayWrite: boolean
  days: number
}

/** Where the patient's half stands. */
export interface PatientVisitsState {
  openInvite?: OpenInvite
  /** Why the last invite could not be opened, or a request could not be checked. */
  inviteError?: string
  requests: PendingRequest[]
}

export interface PatientVisitsOptions {
  /** The wallet, ledger and node once the app is ready; undefined before. */
  ready: () => VisitContext | undefined
  history: PatientHistoryPort
  /** The visit link for an encoded invite. */
  linkTo: (encodedInvite: string) => string
  /** This app's origin (window.location.origin): a doctor's request must be signed for it. */
  origin: string
  clock?: Clock
}

export interface PatientVisits {
  /** Where the patient's half stands; subscribe to follow it. */
  state: Cell<PatientVisitsState>
  /** Opens a new invite (replacing an open one) and starts serving requests; says why not in `inviteError`. */
  startVisit(): Promise<void>
  /** Withdraws the open invite: a doctor using it is refused. */
  cancelInvite(): void
  /**
   * Grants the doctor of request `id` what the patient chose (the wallet sends the transaction),
   * then sends the answer with the chosen categories' keys wrapped for the doctor. On failure the
   * request stays open, with the reason in its `error`, and nothing is sent.
   */
  approve(id: number, choice: VisitChoice): Promise<void>
  /** Tells the doctor of request `id` that the patient declined. */
  decline(id: number): Promise<void>
  /** Stops serving requests. */
  stop(): void
}

const DAY_MS = 24 * 3600 * 1000

/** What the patient reads when the key a doctor signed is not the one the registry gives for them. */
const KEY_MISMATCH_MESSAGE = "The key the doctor signed does not match the key registered for them: the chain's provider may be lying. Nothing was shared with them."
const NO_KEY_MESSAGE = 'This doctor has not published an encryption key, so nothing can be shared with them. Ask them to join again.'
const NO_KEY_ANSWER = "The patient's app finds no encryption key registered for you, so nothing can be shared with you. Ask the patient to start the visit again."
const KEY_MISMATCH_ANSWER =
  "The patient's app refused the request: the encryption key you signed is not the one the chain's provider returns for you (it may be lying, or your keys were replaced since). Nothing was shared. Ask the patient to start the visit again."

/** The patient's half of visits, over the app's node, ledger, wallet and history. */
export function createPatientVisits({ ready, history, linkTo, origin, clock = systemClock }: PatientVisitsOptions): PatientVisits {
  const book = new InviteBook()
  const incoming = new Map<number, IncomingVisitRequest>()
  let nextId = 1
  let stopServing: (() => Promise<void>) | undefined
  const state = createCell<PatientVisitsState>({ requests: [] })
  const change = (update: Partial<PatientVisitsState>): void => state.set({ ...state.get(), ...update })
  const setInviteError = (inviteError: string | undefined): void => change({ inviteError })
  const update = (id: number, request: Partial<PendingRequest>): void => {
    change({ requests: state.get().requests.map((r) => (r.id === id ? { ...r, ...request } : r)) })
  }

  const onVisit = async (visit: IncomingVisitRequest): Promise<void> => {
    const s = ready()
    if (s === undefined) {
      await visit.answer({ t: 'refused', message: "The patient's app is not ready: their wallet is not connected." })
      return
    }
    /** Runs an invite check on the request's token; a refusal is the doctor's answer. */
    const inviteAllows = async (step: (token: string, now: number) => void): Promise<boolean> => {
      try {
        step(visit.request.token, clock.now())
        return true
      } catch (error) {
        await visit.answer({ t: 'refused', message: errorMessage(error) })
        return false
      }
    }
    // The invite is spent only by a request whose signature verifies: one that fails the check
    // (someone who saw the QR code, asking in another's name) leaves it to the doctor it was shown to.
    if (!(await inviteAllows((token, now) => book.check(token, now)))) return
    const { doctor, encryptionKey } = visit.request
    let signer: VisitRequestSigner | undefined
    let registered: Hex | null
    try {
      // Checked for this app's origin and this deployment (the ledger's domain): a request signed
      // for a copy of the app elsewhere, or for another chain or contract, is no one's here.
      signer = await s.ledger.verifyVisitRequest({
        doctor,
        signature: visit.request.signature as Hex,
        origin,
        token: visit.request.token,
        patient: s.wallet.address,
        doctorPeer: visit.from,
        encryptionKey: encryptionKey as Hex
      })
      registered = signer === undefined ? null : await s.ledger.readEncryptionKey(doctor)
    } catch (error) {
      // Not a forgery: a check could not run (e.g. the chain is unreachable). Say so to both sides.
      setInviteError(`A doctor asked to join, but their request could not be checked: ${errorMessage(error)}`)
      await visit.answer({
        t: 'refused',
        message: `The patient's app could not check your request (${errorMessage(error)}). Ask the patient to start the visit again.`
      })
      return
    }
    if (signer === undefined) {
      await visit.answer({ t: 'refused', message: 'The request is not signed by the address it names, for this app and this patient; the patient was not asked.' })
      return
    }
    const checkCode = visitCheckCode({ token: visit.request.token, patientPeer: s.channel.peerId(), doctorPeer: visit.from, doctor })
    const shown = { doctor, name: visit.request.name, checkCode, signer }
    // The doctor signed the key they want the patient's keys wrapped for; the registry, read
    // through the chain's provider, must give the same one, or the provider may be substituting
    // its own. The patient sees the request refused, and the invite stays for an honest retry.
    if (registered === null || registered.toLowerCase() !== encryptionKey.toLowerCase()) {
      const reason = registered === null ? NO_KEY_MESSAGE : KEY_MISMATCH_MESSAGE
      change({ requests: [...state.get().requests, { id: nextId++, ...shown, state: 'refused', error: reason }] })
      await visit.answer({ t: 'refused', message: registered === null ? NO_KEY_ANSWER : KEY_MISMATCH_ANSWER })
      return
    }
    // Checked again: another signed request may have spent the invite while this one was verified.
    if (!(await inviteAllows((token, now) => book.redeem(token, now)))) return
    const id = nextId++
    incoming.set(id, visit)
    change({ openInvite: undefined, requests: [...state.get().requests, { id, ...shown, state: 'waiting' }] })
    visit.signal.addEventListener('abort', () => {
      if (state.get().requests.find((r) => r.id === id)?.state === 'waiting') update(id, { state: 'gone', error: "The doctor's browser went away before you decided." })
    })
  }

  const startVisit = async (): Promise<void> => {
    setInviteError(undefined)
    const s = ready()
    if (s === undefined) {
      setInviteError('Connect a wallet, and wait for the peer-to-peer node to start, before starting a visit.')
      return
    }
    const { circuitAddress: address, state: relay } = s.channel.relay()
    if (address === undefined || relay !== 'reserved') {
      setInviteError(
        `Your app is not connected to the relay (${relayWords(relay)}), and a doctor's browser finds yours through it. It keeps trying: start the visit once the connection status at the top says "relay reserved".`
      )
      return
    }
    try {
      const invite = createVisitInvite({ addresses: [address], patient: s.wallet.address, chainId: s.ledger.chain.id, now: clock.now() })
      stopServing ??= await s.channel.serveVisits((visit) => void onVisit(visit))
      book.issue(invite)
      const previous = state.get().openInvite
      if (previous !== undefined) book.cancel(previous.invite.token)
      change({ openInvite: { invite, link: linkTo(encodeVisitInvite(invite)) } })
    } catch (error) {
      setInviteError(errorMessage(error))
    }
  }

  const cancelInvite = (): void => {
    const open = state.get().openInvite
    if (open !== undefined) book.cancel(open.invite.token)
    change({ openInvite: undefined })
  }

  const approve = async (id: number, choice: VisitChoice): Promise<void> => {
    const visit = incoming.get(id)
    const s = ready()
    if (visit === undefined || s === undefined) return
    update(id, { state: 'granting', error: undefined })
    try {
      // The doctor reads with the history's data keys, wrapped for the key they signed: the history must be open here.
      if (history.own() === undefined) await history.unlock()
      const own = history.own()
      if (own === undefined) throw new VisitError('HISTORY_LOCKED', 'Open your history first (My history): its keys are what you share with the doctor.')
      // The keys go to the key the doctor signed, once the registry still says it is theirs.
      const doctorKey = visit.request.encryptionKey as Hex
      const registered = await s.ledger.readEncryptionKey(visit.request.doctor)
      if (registered === null) throw new VisitError('NO_DOCTOR_KEY', NO_KEY_MESSAGE)
      if (registered.toLowerCase() !== doctorKey.toLowerCase()) {
        incoming.delete(id)
        update(id, { state: 'refused', error: KEY_MISMATCH_MESSAGE })
        await visit.answer({ t: 'refused', message: KEY_MISMATCH_ANSWER }).catch(() => undefined)
        return
      }
      const scope = { categories: choice.categories, mayWrite: choice.mayWrite }
      const expiry = new Date(clock.now() + choice.days * DAY_MS)
      const result = await s.ledger.grant({ doctor: visit.request.doctor, expiry, scope })
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
        history: own.address,
        // Where the doctor follows up while this device is offline; an address a browser cannot dial is left out.
        keepers: own
          .keepers()
          .filter((keeper) => parseAnswerKeepers([keeper]) !== undefined)
          .slice(0, MAX_ANSWER_KEEPERS)
      })
      incoming.delete(id)
      update(id, { state: 'approved', outcome: `${describeScope(scope)} until ${expiry.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })}` })
    } catch (error) {
      update(id, { state: 'waiting', error: errorMessage(error) })
    }
  }

  const decline = async (id: number): Promise<void> => {
    const visit = incoming.get(id)
    if (visit === undefined) return
    incoming.delete(id)
    update(id, { state: 'declined' })
    await visit.answer({ t: 'declined', reason: 'The patient declined.' }).catch(() => undefined)
  }

  const stop = (): void => {
    void stopServing?.()
  }

  return { state, startVisit, cancelInvite, approve, decline, stop }
}
