// Sharing a snapshot by SMART Health Link, both sides. The patient's: the chosen records (a FHIR
// Bundle's bytes) are sealed as a JWE under a fresh key in this browser, the ciphertext alone goes
// to one of the patient's keepers, and the link (the keeper's manifest URL and the key) is what the
// patient hands on. The recipient's: any browser, no wallet, fetches the manifest as the
// specification says, and opens the file with the key from the link.
import { decodeHealthLink, encodeHealthLink, newHealthLinkKey, openHealthLinkFile, sealHealthLinkFile, type HealthLinkPayload } from '../crypto/index.ts'
import { errorMessage } from '../errors/index.ts'
import type { KeptLink } from '../keeper/index.ts'
import { SessionError } from './SessionError.ts'

/** How the patient's app speaks to its keepers about links (src/keeper's link client as the patient's identity). */
export interface LinkKeeperClient {
  /** Leaves a link's file with the keeper at `address`; its manifest URL. @throws When unreachable or refused, with the reason. */
  store(address: string, request: { link: Uint8Array; file: Uint8Array; passcode?: string; expires: number }): Promise<string>
  list(address: string): Promise<KeptLink[]>
  deactivate(address: string, link: Uint8Array): Promise<void>
}

/** The patient's keepers as far as links need them: their addresses (reachable first) and the client. */
export interface LinkKeepers {
  addresses: readonly string[]
  client: LinkKeeperClient
}

/** What the patient shares: the bytes of a FHIR Bundle, and how the link reads and lives. */
export interface ShareRequest {
  bundle: Uint8Array
  label?: string
  passcode?: string
  /** When the link stops, unix seconds; undefined for never. */
  expires?: number
}

/** A link made: its text (with the key: shown to the patient only), the keeper that serves it, and its id there. */
export interface SharedLink {
  text: string
  url: string
  keeper: string
  /** The link's id at the keeper (base64url), as the keeper's list names it. */
  id: string
}

function base64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

/**
 * Seals the bundle under a fresh key and leaves the ciphertext with the first keeper that takes it.
 * The key goes into the returned link's text and nowhere else.
 * @throws {SessionError} `LINK_NOT_SHARED` when no keeper is enrolled or none took it (the first refusal's words).
 */
export async function shareByLink(keepers: LinkKeepers, request: ShareRequest): Promise<SharedLink> {
  if (keepers.addresses.length === 0) throw new SessionError('LINK_NOT_SHARED', 'Enrol a keeper first (Settings, Keepers): your keeper serves the link while your devices are off.')
  const key = newHealthLinkKey()
  const link = globalThis.crypto.getRandomValues(new Uint8Array(32))
  const file = new TextEncoder().encode(await sealHealthLinkFile(key, request.bundle))
  const errors: unknown[] = []
  for (const keeper of keepers.addresses) {
    try {
      const url = await keepers.client.store(keeper, { link, file, expires: request.expires ?? 0, ...(request.passcode === undefined ? {} : { passcode: request.passcode }) })
      const flags: HealthLinkPayload['flags'] = request.passcode === undefined ? [] : ['P']
      const text = encodeHealthLink({ url, key, flags, ...(request.expires === undefined ? {} : { exp: request.expires }), ...(request.label === undefined || request.label === '' ? {} : { label: request.label }) })
      return { text, url, keeper, id: base64Url(link) }
    } catch (error) {
      errors.push(error)
    }
  }
  throw new SessionError('LINK_NOT_SHARED', `None of your keepers took the link, so it would open nothing: ${errorMessage(errors[0])}`, { cause: errors[0] })
}

/** A link of the patient's, as one of its keepers reports it. */
export interface PatientLink extends KeptLink {
  keeper: string
}

/**
 * The patient's links at every keeper, newest first, and the words of each keeper that could not say.
 */
export async function listSharedLinks(keepers: LinkKeepers): Promise<{ links: PatientLink[]; problems: string[] }> {
  const answers = await Promise.allSettled(keepers.addresses.map(async (keeper) => (await keepers.client.list(keeper)).map((link) => ({ ...link, keeper }))))
  const links = answers.flatMap((answer) => (answer.status === 'fulfilled' ? answer.value : [])).sort((a, b) => b.created - a.created)
  const problems = answers.flatMap((answer, i) => (answer.status === 'rejected' ? [`Keeper ${keepers.addresses[i] ?? ''}: ${errorMessage(answer.reason)}`] : []))
  return { links, problems }
}

/** Deactivates a link at the keeper that serves it: it opens for nobody from now on. */
export async function deactivateSharedLink(keepers: LinkKeepers, link: Pick<PatientLink, 'keeper' | 'id'>): Promise<void> {
  const bytes = Uint8Array.from(atob(link.id.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (link.id.length % 4)) % 4)), (c) => c.charCodeAt(0))
  await keepers.client.deactivate(link.keeper, bytes)
}

/** What a recipient opened: the link's label, the Bundle and when the link expires. */
export interface OpenedHealthLink {
  label?: string
  /** Unix seconds. */
  exp?: number
  /** The shared FHIR resources (a Bundle, or several). */
  bundles: unknown[]
}

/** How a recipient asks: the name they give the patient, the passcode when the link has P, and a fetch (the browser's). */
export interface OpenLinkRequest {
  recipient: string
  passcode?: string
  fetch?: typeof globalThis.fetch
  now?: number
}

/** The payload of a link's text, or SessionError `LINK_MALFORMED` in the recipient's words. */
export function readHealthLink(text: string): HealthLinkPayload {
  try {
    return decodeHealthLink(text)
  } catch (error) {
    throw new SessionError('LINK_MALFORMED', errorMessage(error), { cause: error })
  }
}

const unreachable = (cause: unknown): SessionError =>
  new SessionError('LINK_UNREACHABLE', 'The server that holds these records could not be reached: check your connection, or try again later.', { cause, details: errorMessage(cause) })

/**
 * Opens a SMART Health Link as any viewer does: POSTs the manifest request with the recipient's name (and
 * passcode), takes each file (embedded, or from its location) and opens it with the link's key.
 * @throws {SessionError} `LINK_MALFORMED` for text that is no link; `LINK_UNAVAILABLE` once the link expired or
 *   its server answers 404 (deactivated, expired, stopped after wrong passcodes); `LINK_PASSCODE` for a wrong or
 *   missing passcode, with the attempts left; `LINK_UNREACHABLE` when the server cannot be reached or answers
 *   outside the specification; `LINK_UNREADABLE` when a file does not open with the link's key or is not FHIR JSON.
 */
export async function openHealthLink(text: string, request: OpenLinkRequest): Promise<OpenedHealthLink> {
  const payload = readHealthLink(text)
  const fetchNow = request.fetch ?? globalThis.fetch.bind(globalThis)
  const now = request.now ?? Date.now()
  if (payload.exp !== undefined && payload.exp * 1000 <= now) throw new SessionError('LINK_UNAVAILABLE', `This link expired on ${new Date(payload.exp * 1000).toLocaleString('en')}: ask the patient for a new one.`)
  const recipient = request.recipient.trim()
  if (recipient === '') throw new SessionError('LINK_PASSCODE', 'Give your name first: the patient sees who opened the link.')
  const passcode = request.passcode
  if (payload.flags.includes('P') && (passcode === undefined || passcode === '')) throw new SessionError('LINK_PASSCODE', 'This link needs the passcode the patient gave you.')

  const files: { contentType?: string; embedded?: string; location?: string }[] = []
  if (payload.flags.includes('U')) {
    const url = new URL(payload.url)
    url.searchParams.set('recipient', recipient)
    files.push({ location: url.toString() })
  } else {
    let response: Response
    try {
      response = await fetchNow(payload.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ recipient, ...(passcode === undefined || passcode === '' ? {} : { passcode }) })
      })
    } catch (error) {
      throw unreachable(error)
    }
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined
    if (response.status === 401) {
      const left = typeof body?.remainingAttempts === 'number' ? body.remainingAttempts : undefined
      if (left === 0) throw new SessionError('LINK_UNAVAILABLE', 'Wrong passcode. That was the last attempt: the link no longer opens. Ask the patient for a new link.')
      throw new SessionError('LINK_PASSCODE', `Wrong passcode${left === undefined ? '' : `: ${left} ${left === 1 ? 'attempt' : 'attempts'} left before the link stops`}.`)
    }
    if (response.status === 404) throw new SessionError('LINK_UNAVAILABLE', 'This link no longer opens: the patient deactivated it, it expired, or it was stopped after wrong passcodes. Ask the patient for a new one.')
    if (!response.ok || body === undefined || !Array.isArray(body.files)) throw unreachable(new Error(`the server answered ${response.status} without a manifest`))
    for (const file of body.files as unknown[]) {
      if (typeof file !== 'object' || file === null) throw unreachable(new Error('a manifest file entry is not an object'))
      const { contentType, embedded, location } = file as Record<string, unknown>
      if (typeof embedded === 'string') files.push({ embedded, ...(typeof contentType === 'string' ? { contentType } : {}) })
      else if (typeof location === 'string') files.push({ location, ...(typeof contentType === 'string' ? { contentType } : {}) })
      else throw unreachable(new Error('a manifest file has neither embedded nor location'))
    }
  }

  const bundles: unknown[] = []
  for (const file of files) {
    if (file.contentType !== undefined && file.contentType !== 'application/fhir+json') continue
    let jwe = file.embedded
    if (jwe === undefined && file.location !== undefined) {
      let response: Response
      try {
        response = await fetchNow(file.location)
      } catch (error) {
        throw unreachable(error)
      }
      if (response.status === 404) throw new SessionError('LINK_UNAVAILABLE', 'This link no longer opens: ask the patient for a new one.')
      if (!response.ok) throw unreachable(new Error(`the file answered ${response.status}`))
      jwe = await response.text()
    }
    let opened
    try {
      opened = await openHealthLinkFile(payload.key, jwe ?? '')
    } catch (error) {
      throw new SessionError('LINK_UNREADABLE', 'The shared records do not open with this link\'s key: the link may be damaged or incomplete. Ask the patient to share it again.', { cause: error })
    }
    let json: unknown
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(opened.plaintext))
    } catch (error) {
      throw new SessionError('LINK_UNREADABLE', 'The shared file opened, but it is not FHIR JSON.', { cause: error })
    }
    if (typeof json !== 'object' || json === null || typeof (json as { resourceType?: unknown }).resourceType !== 'string') throw new SessionError('LINK_UNREADABLE', 'The shared file opened, but it is not a FHIR resource.')
    bundles.push(json)
  }
  if (bundles.length === 0) throw new SessionError('LINK_UNREADABLE', 'The link holds no FHIR records this app shows.')
  return { bundles, ...(payload.label === undefined ? {} : { label: payload.label }), ...(payload.exp === undefined ? {} : { exp: payload.exp }) }
}
