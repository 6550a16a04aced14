// The doctor's half of a visit. The join page dials the patient's device early (through this
// deployment's relay only); asking opens this wallet's keys, registers the encryption key when
// the ledger lacks it, signs the request (naming this app's origin and that key), and waits for the patient. On approval the patient's
// history opens with the keys they wrapped for this doctor, and the visit is recorded on-chain.
import { bytesToHex } from 'viem'
import { decodeScope, describeScope } from '../chain/index.ts'
import { decodeVisitInvite, invitesThroughRelays, inviteSecondsLeft, peerIdOfAddress, type AnswerKeeper, type VisitAnswer, type VisitInvite } from '../p2p/index.ts'
import { errorMessage } from '../errors/index.ts'
import { relayWords } from './relayWords.ts'
import { createCell, type Cell } from '../session/index.ts'
import { VisitError } from './visitError.ts'
import { visitCheckCode } from './visitCheckCode.ts'
import { systemClock, type Clock, type DoctorHistoryPort, type VisitContext } from './visitPorts.ts'

/** Where joining an invite stands; `R` is the app's open reading of the patient's history. */
export type JoinStep<R = unknown> =
  | { step: 'idle' }
  | { step: 'unlocking' }
  | { step: 'registering-key' }
  | { step: 'connecting' }
  | { step: 'signing' }
  /** The request is with the patient; `checkCode` is what their screen shows too (visitCheckCode), for the two to compare. */
  | { step: 'waiting'; checkCode: string }
  | {
      step: 'approved'
      description: string
      expiry: Date
      mayWrite: boolean
      recorded: 'recording' | 'recorded' | 'failed'
      recordError?: string
      /** The patient's history as it replicates here, once the shared keys opened it. */
      reading?: R
      readError?: string
    }
  | { step: 'declined'; reason: string }
  | { step: 'refused'; message: string }
  | { step: 'failed'; message: string }

/** The invite (as encoded in its link) the doctor last asked on, and where that stands. */
export interface DoctorJoinState<R = unknown> {
  invite: string
  step: JoinStep<R>
}

/** Where the doctor reached a patient's device (its peer id and the address dialled), and once they approve, their keepers and the keys they wrapped for this doctor. */
export interface ReachedDevice {
  peer: string
  address: string
  keepers?: readonly AnswerKeeper[]
  wrappedKeys?: Uint8Array
}

export interface DoctorJoinOptions<R extends { close(): Promise<void> }> {
  /** The wallet, ledger and node once the app is ready; undefined before. */
  ready: () => VisitContext | undefined
  history: DoctorHistoryPort<R>
  /** This app's origin (window.location.origin), which the signed request names. */
  origin: string
  clock?: Clock
  /** Keeps where the patient's device was reached, for reconnecting after the visit. */
  rememberPatientDevice?: (patient: string, device: ReachedDevice) => void
}

export interface DoctorJoin<R> {
  /** The last join; subscribe to follow its steps. */
  state: Cell<DoctorJoinState<R>>
  /** Where joining the invite `encoded` stands: idle for any invite but the last one asked on. */
  step(encoded: string): JoinStep<R>
  /**
   * Dials the patient's device of invite `encoded` before the doctor asks (while they type their
   * name): nothing is sent but the connection itself, and only through this deployment's relays.
   * joinVisit uses it. Needs no wallet prompt.
   */
  prepareJoin(encoded: string): void
  /** The doctor left the join page of `encoded` without asking: the early connection is closed. */
  abandonJoin(encoded: string): void
  /** Asks the patient of invite `encoded` for access under the name `name`, step by step, to the end. */
  joinVisit(encoded: string, name: string): Promise<void>
}

/** How long the doctor's browser waits for the patient to decide. */
const DECISION_TIMEOUT_MS = 10 * 60 * 1000

interface Dialled {
  connectedTo?: string
  lastError?: unknown
}

/** Dials the invite's addresses in turn until one gives a direct connection. */
async function dialInvite(s: VisitContext, invite: VisitInvite): Promise<Dialled> {
  let lastError: unknown
  for (const address of invite.addresses) {
    try {
      if ((await s.channel.dial(address)).direct) {
        performance.mark('visit:direct')
        return { connectedTo: address }
      }
    } catch (error) {
      lastError = error
    }
  }
  return { lastError }
}

/** The doctor's half of visits, over the app's node, ledger, wallet and history session. */
export function createDoctorJoin<R extends { close(): Promise<void> }>({
  ready,
  history,
  origin,
  clock = systemClock,
  rememberPatientDevice
}: DoctorJoinOptions<R>): DoctorJoin<R> {
  const state = createCell<DoctorJoinState<R>>({ invite: '', step: { step: 'idle' } })
  let currentInvite = ''
  const setJoin = (step: JoinStep<R>): void => state.set({ invite: currentInvite, step })
  const step = (encoded: string): JoinStep<R> => (state.get().invite === encoded ? state.get().step : { step: 'idle' })
  // The dial started when the join page opened, for that invite.
  let early: { encoded: string; dialing: Promise<Dialled> } | undefined

  const usableInvite = (s: VisitContext, encoded: string): VisitInvite | undefined => {
    try {
      const invite = decodeVisitInvite(encoded)
      return inviteSecondsLeft(invite, clock.now()) > 0 && invite.chainId === s.ledger.chain.id ? invite : undefined
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
    if (invite === undefined || !invitesThroughRelays(invite, s.relays)) return
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
      await s.channel.hangUp(connectedTo).catch(() => undefined)
    })
  }

  const joinVisit = async (encoded: string, name: string): Promise<void> => {
    performance.mark('visit:join-start')
    // A new visit ends the history read in the last one.
    const previous = state.get().step
    if (previous.step === 'approved') void previous.reading?.close()
    currentInvite = encoded
    const s = ready()
    if (s === undefined) {
      setJoin({ step: 'failed', message: 'Connect a wallet, and wait for the peer-to-peer node to start, before joining a visit.' })
      return
    }
    try {
      const invite = decodeVisitInvite(encoded)
      if (inviteSecondsLeft(invite, clock.now()) <= 0) {
        setJoin({ step: 'refused', message: 'This invite has expired. Ask the patient to show a new one.' })
        return
      }
      if (invite.chainId !== s.ledger.chain.id) {
        setJoin({ step: 'refused', message: `This invite is for chain ${invite.chainId}, but this app is on ${s.ledger.chain.name} (${s.ledger.chain.id}).` })
        return
      }
      // The direct connection comes up while the wallet opens this device's keys and signs the
      // request. It is dialled again even after the page's opening dialled it: that connection may
      // have dropped since, or never come up (the node answers at once for one still live).
      const opened = early?.encoded === encoded ? early.dialing : undefined
      early = undefined
      const dialing = (opened ?? Promise.resolve()).then(() => dialInvite(s, invite))
      // The keys that read the patient's history are this wallet's, on this device.
      if (history.encryptionPublicKey() === undefined) {
        setJoin({ step: 'unlocking' })
        await history.unlock()
      }
      const publicKey = history.encryptionPublicKey()
      if (publicKey === undefined) throw new VisitError('KEYS_LOCKED', history.unlockFailure() ?? 'Your keys could not be opened on this device.')
      // Without a published key the patient's grant would be useless: register first.
      const published = await s.ledger.readEncryptionKey(s.wallet.address)
      if (published === null || published.toLowerCase() !== bytesToHex(publicKey)) {
        setJoin({ step: 'registering-key' })
        await s.ledger.publishEncryptionKey(publicKey)
      }
      // The request names this node, not the connection: it is signed while the dial goes on. It
      // names this device's key too, so no one on the way (the patient's chain provider included)
      // can have the patient wrap their keys for another.
      setJoin({ step: 'signing' })
      const encryptionKey = bytesToHex(publicKey)
      const signature = await s.wallet.signVisitRequest({ origin, token: invite.token, patient: invite.patient, doctorPeer: s.channel.peerId(), encryptionKey })
      setJoin({ step: 'connecting' })
      const { connectedTo, lastError } = await dialing
      if (connectedTo === undefined) {
        const relay = s.channel.relay().state
        const viaOurRelay = invitesThroughRelays(invite, s.relays)
        setJoin({
          step: 'failed',
          message:
            viaOurRelay && relay !== 'reserved'
              ? `Could not reach the patient's device: your app is not connected to the relay (${relayWords(relay)}) that connects you to it. It keeps trying: ask again once the connection status at the top says "relay reserved".`
              : `Could not reach the patient's device: ${lastError === undefined ? 'no direct connection' : errorMessage(lastError)}. Is their app open?`
        })
        return
      }
      const peer = peerIdOfAddress(connectedTo) ?? connectedTo
      rememberPatientDevice?.(invite.patient, { peer, address: connectedTo })
      // The history's blocks are ciphertext, served to any peer: fetch them while the patient decides,
      // so that an approval only has to decrypt. Without the key they stay unreadable.
      const dropPrefetch = history.prefetchPatient(invite.patient, peer)
      setJoin({ step: 'waiting', checkCode: visitCheckCode({ token: invite.token, patientPeer: peer, doctorPeer: s.channel.peerId(), doctor: s.wallet.address }) })
      let answer: VisitAnswer
      try {
        answer = await s.channel.requestVisit(
          connectedTo,
          { token: invite.token, doctor: s.wallet.address, name, encryptionKey, signature },
          AbortSignal.timeout(DECISION_TIMEOUT_MS)
        )
      } catch (error) {
        // The patient's page closed, their device dropped off, or they did not decide in time: the
        // transport's own words alone would not tell the doctor what to do.
        setJoin({ step: 'failed', message: `The patient's device did not answer (${errorMessage(error)}). Is their app still open? Ask them to start the visit again.` })
        return
      }
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
      // For a follow-up after the visit, from the patient's keepers while their devices are offline.
      rememberPatientDevice?.(invite.patient, {
        peer,
        address: connectedTo,
        keepers: answer.keepers ?? [],
        ...(answer.wrappedKey === undefined ? {} : { wrappedKeys: answer.wrappedKey })
      })
      const expiry = new Date(answer.expiry * 1000)
      const scope = decodeScope(answer.scope)
      const approved = { step: 'approved' as const, description: describeScope(scope), expiry, mayWrite: scope.mayWrite }
      let reading: R | undefined
      let readError: string | undefined
      if (answer.wrappedKey === undefined) readError = "The patient's app shared no key, so their history cannot be read here."
      else {
        try {
          reading = await history.readPatient(invite.patient, answer.wrappedKey, peer, async () => {
            // The patient's device may have gone away and come back (same peer id, same relay): dial it again.
            if (s.channel.hasDirectConnection(peer)) return
            await s.channel.dial(connectedTo)
          })
        } catch (error) {
          readError = errorMessage(error)
        }
      }
      const withReading = { ...(reading === undefined ? {} : { reading }), ...(readError === undefined ? {} : { readError }) }
      setJoin({ ...approved, recorded: 'recording', ...withReading })
      try {
        await s.ledger.logVisit(invite.patient)
        setJoin({ ...approved, recorded: 'recorded', ...withReading })
      } catch (error) {
        setJoin({ ...approved, recorded: 'failed', recordError: errorMessage(error), ...withReading })
      }
    } catch (error) {
      setJoin({ step: 'failed', message: errorMessage(error) })
    }
  }

  return { state, step, prepareJoin, abandonJoin, joinVisit }
}
