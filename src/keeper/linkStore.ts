// The keeper's side of SMART Health Links: it takes a link's encrypted file from an enrolled
// patient over /anamnesis/share-link/1.0.0 (linkProtocol.ts) and answers the link's manifest
// requests, which arrive over HTTP from any viewer (scripts/keeper/linkServer.ts). It keeps only
// a salted scrypt hash of a link's passcode, counts wrong ones and stops the link at the fifth,
// honours the patient's deactivation and the link's expiry (a stopped link's file is deleted),
// and keeps who opened each link (the name the recipient gave) for the patient to read.
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { errorMessage } from '../errors/index.ts'
import type { P2PNode, WalletAddress, WalletIdentity } from '../p2p/index.ts'
import { isDiskFull } from './diskFull.ts'
import { checkLinkRequest, LINK_PROTOCOL, MAX_LINK_FILE, MAX_LINKS_PER_PATIENT, MAX_PASSCODE_FAILURES, type LinkRefusal, type LinkStatementKind } from './linkProtocol.ts'
import { answerKeeperRequests, isMap } from './keeperRequests.ts'
import { keyedQueue } from './keyedQueue.ts'

/** One opening of a link: the name the recipient gave, and when (ms since the epoch). */
export interface LinkOpening {
  recipient: string
  at: number
}

/** What a keeper keeps of a link besides its file. */
export interface LinkRecord {
  patient: WalletAddress
  /** The link's id as in its URL: base64url of 32 bytes. */
  id: string
  /** When it was stored, ms since the epoch. */
  created: number
  /** When it stops, unix seconds; 0 for never. */
  expires: number
  /** The passcode's scrypt hash and salt, when it has one. */
  passcode?: { salt: Uint8Array; hash: Uint8Array }
  failures: number
  /** When the patient deactivated it, ms since the epoch. */
  deactivatedAt?: number
  /** When the fifth wrong passcode stopped it, ms since the epoch. */
  lockedAt?: number
  openings: LinkOpening[]
}

/** What a link is now, as the patient is told. */
export type LinkState = 'active' | 'deactivated' | 'expired' | 'locked'

/** Where a keeper keeps links: their records, and their files while they are live. */
export interface LinkStore {
  /** Every record kept, read once at start. */
  all(): Promise<LinkRecord[]>
  /** Writes a record, and the file with it when given. */
  put(record: LinkRecord, file?: Uint8Array): Promise<void>
  file(record: LinkRecord): Promise<Uint8Array | undefined>
  /** Deletes a stopped link's file; its record stays for the patient's list. */
  dropFile(record: LinkRecord): Promise<void>
  /** Deletes a record and its file. */
  delete(record: LinkRecord): Promise<void>
}

/** What the keeper's log is told of, one line each. */
export type LinkEvent =
  | { type: 'link-stored'; patient: WalletAddress; bytes: number; passcode: boolean }
  | { type: 'link-opened'; patient: WalletAddress }
  | { type: 'link-passcode-wrong'; patient: WalletAddress; remaining: number }
  | { type: 'link-stopped'; patient: WalletAddress; why: 'deactivated' | 'locked' | 'expired' | 'forgotten' }
  | { type: 'link-refused'; kind: LinkStatementKind | 'request'; patient?: WalletAddress; reason: LinkRefusal; why: string }

/** An HTTP answer: a status and a JSON body, or the file's text. */
export interface LinkAnswer {
  status: number
  json?: Record<string, unknown>
  jose?: string
}

/** How to serve links on a keeper's node. */
export interface ServeLinksOptions {
  node: P2PNode
  identity: WalletIdentity
  store: LinkStore
  /** The public base of manifest URLs (e.g. https://keeper.example/shl), without a trailing slash; undefined when this keeper serves no links. */
  baseUrl: string | undefined
  isEnrolled(patient: WalletAddress): boolean
  onEvent?: (event: LinkEvent) => void
  now?: () => number
}

/** Links served by a keeper. */
export interface ShareLinks {
  /** Answers a manifest request (POST <base>/<id>, its parsed JSON body). */
  manifest(id: string, body: unknown): Promise<LinkAnswer>
  /** Answers a file request (GET <base>/<id>/file/<token>) for a location a manifest handed out. */
  file(id: string, token: string): Promise<LinkAnswer>
  /** Drops a patient's links (the patient removed the keeper). */
  forget(patient: WalletAddress): Promise<void>
  stop(): Promise<void>
}

/** How long a file location from a manifest may be fetched: the specification asks for at most an hour. */
const LOCATION_TTL_MS = 60 * 60_000
/** The most stopped links kept per patient for the patient's list; older ones are forgotten. */
const MAX_STOPPED_KEPT = 50
/** The most openings kept per link. */
const MAX_OPENINGS = 200
const MAX_RECIPIENT_LENGTH = 120
const REQUEST_TIMEOUT_MS = 30_000
/** scrypt's cost: about 50 ms a guess on a server, with a salt of its own per link. */
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, dkLen: 32 } as const
const LINK_ID = /^[A-Za-z0-9_-]{43}$/
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/** The salted scrypt hash a keeper keeps of a passcode. */
export async function hashPasscode(passcode: string, salt: Uint8Array): Promise<Uint8Array> {
  return await scryptAsync(utf8ToBytes(passcode), salt, SCRYPT)
}

/** The state of a link at `now` (ms). */
export function linkState(record: LinkRecord, now: number): LinkState {
  if (record.deactivatedAt !== undefined) return 'deactivated'
  if (record.lockedAt !== undefined) return 'locked'
  if (record.expires !== 0 && record.expires * 1000 <= now) return 'expired'
  return 'active'
}

/** Starts taking links on the keeper's node; manifests are answered through the returned functions. */
export async function serveShareLinks(options: ServeLinksOptions): Promise<ShareLinks> {
  const { node, identity, store, baseUrl } = options
  const now = options.now ?? Date.now
  const emit = (event: LinkEvent): void => options.onEvent?.(event)
  const me = identity.verified.address
  const peer = node.libp2p.peerId.toString()
  const links = new Map<string, LinkRecord>()
  for (const record of await store.all()) links.set(record.id, record)
  const locations = new Map<string, { id: string; until: number }>()

  /** One change at a time per link and per patient: two wrong passcodes at once both count. */
  const serial = keyedQueue<string>()

  const ofPatient = (patient: WalletAddress): LinkRecord[] => [...links.values()].filter((record) => record.patient === patient)

  /** Deletes the file of a link that stopped (expired, found at a request), keeping its record. */
  const settle = async (record: LinkRecord): Promise<LinkState> => {
    const state = linkState(record, now())
    if (state === 'expired') await store.dropFile(record)
    return state
  }

  const storeLink = async (request: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const checked = checkLinkRequest(request, 'link-store', { keeper: me, peer, now: now() })
    if ('refusal' in checked) {
      emit({ type: 'link-refused', kind: 'link-store', reason: checked.refusal, why: checked.why })
      return { t: 'refused', reason: checked.refusal }
    }
    const { statement, file, passcode } = checked.value
    const { patient } = statement
    const refuse = (reason: LinkRefusal, why: string): Record<string, unknown> => {
      emit({ type: 'link-refused', kind: 'link-store', patient, reason, why })
      return { t: 'refused', reason }
    }
    if (baseUrl === undefined) return refuse('no-links', 'this keeper was started without an HTTP port for links')
    return await serial(patient, async () => {
      if (!options.isEnrolled(patient)) return refuse('not-enrolled', 'a link from a patient who has not enrolled this keeper')
      const id = base64Url(statement.link)
      if (links.has(id)) return refuse('exists', 'a link of this id is kept already')
      const mine = ofPatient(patient)
      const live = mine.filter((record) => linkState(record, now()) === 'active')
      if (live.length >= MAX_LINKS_PER_PATIENT) return refuse('too-many', `the patient has ${MAX_LINKS_PER_PATIENT} live links here already`)
      let hashed: LinkRecord['passcode']
      if (passcode !== undefined) {
        const salt = randomBytes(16)
        hashed = { salt, hash: await hashPasscode(passcode, salt) }
      }
      const record: LinkRecord = { patient, id, created: now(), expires: statement.expires, ...(hashed === undefined ? {} : { passcode: hashed }), failures: 0, openings: [] }
      try {
        await store.put(record, file)
      } catch (error) {
        if (isDiskFull(error)) return refuse('disk-full', errorMessage(error))
        throw error
      }
      links.set(id, record)
      // Stopped links beyond the newest 50 leave the patient's list.
      const stopped = mine.filter((other) => linkState(other, now()) !== 'active').sort((a, b) => b.created - a.created)
      for (const old of stopped.slice(MAX_STOPPED_KEPT)) {
        links.delete(old.id)
        await store.delete(old)
      }
      emit({ type: 'link-stored', patient, bytes: file?.length ?? 0, passcode: hashed !== undefined })
      return { t: 'link-stored', url: `${baseUrl}/${id}` }
    })
  }

  const deactivate = async (request: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const checked = checkLinkRequest(request, 'link-deactivate', { keeper: me, peer, now: now() })
    if ('refusal' in checked) {
      emit({ type: 'link-refused', kind: 'link-deactivate', reason: checked.refusal, why: checked.why })
      return { t: 'refused', reason: checked.refusal }
    }
    const { patient, link } = checked.value.statement
    const id = base64Url(link)
    return await serial(id, async () => {
      const record = links.get(id)
      // Another patient's link gets the answer an unknown one does: whose links these are is not told.
      if (record === undefined || record.patient !== patient) {
        emit({ type: 'link-refused', kind: 'link-deactivate', patient, reason: 'unknown-link', why: 'no link of this patient has this id' })
        return { t: 'refused', reason: 'unknown-link' }
      }
      if (record.deactivatedAt === undefined) {
        record.deactivatedAt = now()
        await store.put(record)
        await store.dropFile(record)
        emit({ type: 'link-stopped', patient, why: 'deactivated' })
      }
      return { t: 'link-deactivated' }
    })
  }

  const list = (request: Record<string, unknown>): Record<string, unknown> => {
    const checked = checkLinkRequest(request, 'link-list', { keeper: me, peer, now: now() })
    if ('refusal' in checked) {
      emit({ type: 'link-refused', kind: 'link-list', reason: checked.refusal, why: checked.why })
      return { t: 'refused', reason: checked.refusal }
    }
    const { patient } = checked.value.statement
    if (!options.isEnrolled(patient)) return { t: 'refused', reason: 'not-enrolled' }
    const at = now()
    return {
      t: 'links',
      links: ofPatient(patient).map((record) => ({
        id: record.id,
        url: baseUrl === undefined ? '' : `${baseUrl}/${record.id}`,
        created: record.created,
        expires: record.expires,
        passcode: record.passcode !== undefined,
        state: linkState(record, at),
        failures: record.failures,
        openings: record.openings.map((opening) => ({ recipient: opening.recipient, at: opening.at }))
      }))
    }
  }

  await answerKeeperRequests(node, LINK_PROTOCOL, {
    identity,
    maxHeldBytes: MAX_LINK_FILE + 16 * 1024,
    timeoutMs: REQUEST_TIMEOUT_MS,
    maxInboundStreams: 16,
    answer: async (request) => {
      if (isMap(request) && request.t === 'link-store') return await storeLink(request)
      if (isMap(request) && request.t === 'link-deactivate') return await deactivate(request)
      if (isMap(request) && request.t === 'link-list') return list(request)
      emit({ type: 'link-refused', kind: 'request', reason: 'malformed', why: 'a request that is not one of the protocol\'s' })
      return { t: 'refused', reason: 'malformed' }
    }
  })

  const gone: LinkAnswer = { status: 404, json: { error: 'This link is not available: it was deactivated, it expired, or it never existed.' } }

  const manifest = async (id: string, body: unknown): Promise<LinkAnswer> => {
    if (!LINK_ID.test(id) || !links.has(id)) return gone
    if (!isMap(body)) return { status: 400, json: { error: 'A manifest request is a JSON object with a recipient.' } }
    const { recipient, passcode, embeddedLengthMax } = body
    if (typeof recipient !== 'string' || recipient.trim() === '' || recipient.length > MAX_RECIPIENT_LENGTH || CONTROL.test(recipient)) {
      return { status: 400, json: { error: `A manifest request names its recipient: a line of text of at most ${MAX_RECIPIENT_LENGTH} characters.` } }
    }
    if (passcode !== undefined && typeof passcode !== 'string') return { status: 400, json: { error: 'A passcode is text.' } }
    if (embeddedLengthMax !== undefined && (typeof embeddedLengthMax !== 'number' || !Number.isFinite(embeddedLengthMax) || embeddedLengthMax < 0)) return { status: 400, json: { error: 'embeddedLengthMax is a number of characters.' } }
    return await serial(id, async () => {
      const record = links.get(id)
      if (record === undefined || !options.isEnrolled(record.patient)) return gone
      if ((await settle(record)) !== 'active') return gone
      if (record.passcode !== undefined) {
        const given = typeof passcode === 'string' && passcode.length <= 4 * MAX_RECIPIENT_LENGTH ? passcode : ''
        const hash = await hashPasscode(given, record.passcode.salt)
        if (!sameBytes(hash, record.passcode.hash)) {
          record.failures += 1
          const remaining = Math.max(0, MAX_PASSCODE_FAILURES - record.failures)
          if (remaining === 0) record.lockedAt = now()
          await store.put(record)
          emit({ type: 'link-passcode-wrong', patient: record.patient, remaining })
          if (remaining === 0) {
            await store.dropFile(record)
            emit({ type: 'link-stopped', patient: record.patient, why: 'locked' })
          }
          return { status: 401, json: { error: 'Wrong passcode.', remainingAttempts: remaining } }
        }
      }
      const file = await store.file(record)
      if (file === undefined) return gone
      record.openings = [...record.openings, { recipient: recipient.trim(), at: now() }].slice(-MAX_OPENINGS)
      await store.put(record)
      emit({ type: 'link-opened', patient: record.patient })
      const text = new TextDecoder().decode(file)
      const entry: Record<string, unknown> = { contentType: 'application/fhir+json' }
      if (typeof embeddedLengthMax === 'number' && text.length > embeddedLengthMax) {
        const token = base64Url(randomBytes(32))
        const until = now() + LOCATION_TTL_MS
        for (const [key, location] of locations) if (location.until <= now()) locations.delete(key)
        locations.set(token, { id, until })
        entry.location = `${baseUrl ?? ''}/${id}/file/${token}`
      } else entry.embedded = text
      return { status: 200, json: { files: [entry] } }
    })
  }

  const fileAnswer = async (id: string, token: string): Promise<LinkAnswer> => {
    const location = locations.get(token)
    const record = links.get(id)
    if (location === undefined || location.id !== id || location.until <= now() || record === undefined || !options.isEnrolled(record.patient)) return gone
    if ((await settle(record)) !== 'active') return gone
    const file = await store.file(record)
    return file === undefined ? gone : { status: 200, jose: new TextDecoder().decode(file) }
  }

  return {
    manifest,
    file: fileAnswer,
    forget: async (patient) => {
      await serial(patient, async () => {
        for (const record of ofPatient(patient)) {
          links.delete(record.id)
          await store.delete(record)
          emit({ type: 'link-stopped', patient, why: 'forgotten' })
        }
      })
    },
    stop: async () => {
      await node.libp2p.unhandle(LINK_PROTOCOL).catch(() => undefined)
      await serial.idle()
    }
  }
}

function base64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

/** Whether two hashes are equal, in time that does not depend on where they differ. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return difference === 0
}
