// SMART Health Links (HL7 "SMART Health Cards and Links" IG): the `shlink:/` payload a patient shares
// as text or a QR code, and the JWE file its manifest serves. The payload carries the manifest's URL
// and the 32-byte key that opens the file; whoever serves the manifest holds only the ciphertext.
// A file is JWE compact serialization, "alg": "dir", "enc": "A256GCM", its content type in "cty",
// compressed with raw DEFLATE ("zip": "DEF") before encryption: jose 6 leaves compression to us.
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose'
import { deflateSync, Inflate } from 'fflate'
import { CryptoError } from './CryptoError.ts'

/** The scheme prefix of a link's text. */
export const HEALTH_LINK_PREFIX = 'shlink:/'
/** Bytes of the key that opens a link's files. */
export const HEALTH_LINK_KEY_LENGTH = 32
/** The longest label the specification allows, in characters. */
export const MAX_HEALTH_LINK_LABEL = 80
/** The most a file may inflate to when opened: a file that claims more is refused, not inflated (a zip bomb). */
export const MAX_HEALTH_LINK_PLAINTEXT = 32 * 1024 * 1024
/** The longest link text read: a manifest URL and a label leave it far shorter. */
const MAX_LINK_TEXT = 4096

/**
 * What a link's flags say: `L` long-term (the manifest may change while the link lives), `P` a passcode
 * is needed to fetch the manifest, `U` the single file is fetched directly with GET (no manifest).
 */
export type HealthLinkFlag = 'L' | 'P' | 'U'
const FLAGS: readonly HealthLinkFlag[] = ['L', 'P', 'U']

/** A link's payload, with its key as bytes. */
export interface HealthLinkPayload {
  /** The manifest's URL (https:, or http: on loopback for a local stack). */
  url: string
  /** The 32 bytes that open the files. */
  key: Uint8Array
  /** When the link stops working, unix seconds, if it does. */
  exp?: number
  flags: readonly HealthLinkFlag[]
  /** A short description for the recipient, at most 80 characters. */
  label?: string
  /** The payload's version; 1 when absent. */
  v?: number
}

/** The content types a manifest's file may have; this app writes FHIR JSON. */
export type HealthLinkContentType = 'application/fhir+json' | 'application/smart-health-card' | 'application/smart-api-access'

function invalidLink(problem: string): never {
  throw new CryptoError('INVALID_INPUT', `This is not a SMART Health Link the app can open: ${problem}. Ask whoever shared it for the link again.`)
}

/** 32 fresh random bytes: the key of a new link. */
export function newHealthLinkKey(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(HEALTH_LINK_KEY_LENGTH))
}

/** Bytes as base64url without padding (the one spelling the specification uses). */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/** The bytes of unpadded base64url text, or undefined when it is not that. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined
  const padded = text.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const binary = atob(padded)
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
  // One spelling only: re-encoding gives the text back (no stray bits in the last character).
  return toBase64Url(bytes) === text ? bytes : undefined
}

function isManifestUrl(text: string): boolean {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return false
  }
  if (url.username !== '' || url.password !== '') return false
  return url.protocol === 'https:' || (url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]'))
}

/**
 * The link's text: `shlink:/` and the base64url of its JSON payload.
 * @throws {CryptoError} `INVALID_INPUT` for a key that is not 32 bytes, a URL that is not https: (or http: on
 *   loopback), a label over 80 characters, flags other than L, P and U, or P with U (the specification forbids it).
 */
export function encodeHealthLink(payload: HealthLinkPayload): string {
  if (payload.key.length !== HEALTH_LINK_KEY_LENGTH) throw new CryptoError('INVALID_KEY', 'A SMART Health Link key is 32 bytes.')
  if (!isManifestUrl(payload.url)) throw new CryptoError('INVALID_INPUT', 'A SMART Health Link names an https: manifest URL.')
  if (payload.label !== undefined && Array.from(payload.label).length > MAX_HEALTH_LINK_LABEL) throw new CryptoError('INVALID_INPUT', `A SMART Health Link's label is at most ${MAX_HEALTH_LINK_LABEL} characters.`)
  if (payload.flags.some((flag) => !FLAGS.includes(flag))) throw new CryptoError('INVALID_INPUT', 'A SMART Health Link has only the flags L, P and U.')
  if (payload.flags.includes('P') && payload.flags.includes('U')) throw new CryptoError('INVALID_INPUT', 'A SMART Health Link with a passcode (P) cannot be fetched directly (U).')
  if (payload.exp !== undefined && (!Number.isSafeInteger(payload.exp) || payload.exp <= 0)) throw new CryptoError('INVALID_INPUT', 'A SMART Health Link expires at a time in unix seconds.')
  const flag = FLAGS.filter((f) => payload.flags.includes(f)).join('')
  const json = {
    url: payload.url,
    key: toBase64Url(payload.key),
    ...(payload.exp === undefined ? {} : { exp: payload.exp }),
    ...(flag === '' ? {} : { flag }),
    ...(payload.label === undefined || payload.label === '' ? {} : { label: payload.label }),
    v: payload.v ?? 1
  }
  return HEALTH_LINK_PREFIX + toBase64Url(new TextEncoder().encode(JSON.stringify(json)))
}

/**
 * The payload of a link's text: `shlink:/…` alone, or a viewer's URL that carries it after `#` (`https://viewer.example/#shlink:/…`).
 * @throws {CryptoError} `INVALID_INPUT`, in words for the recipient, when the text is not such a link: no
 *   `shlink:/`, not base64url JSON, no https: manifest URL, a key that is not 32 bytes, unknown flags, a label over 80 characters.
 */
export function decodeHealthLink(text: string): HealthLinkPayload {
  const trimmed = text.trim()
  if (trimmed.length > MAX_LINK_TEXT) invalidLink('the text is far too long for a link')
  const at = trimmed.indexOf(HEALTH_LINK_PREFIX)
  if (at < 0 || (at > 0 && !trimmed.slice(0, at).endsWith('#'))) invalidLink('it does not hold "shlink:/"')
  const body = fromBase64Url(trimmed.slice(at + HEALTH_LINK_PREFIX.length))
  if (body === undefined || body.length === 0) invalidLink('its payload is not base64url text')
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
  } catch {
    invalidLink('its payload is not JSON')
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) invalidLink('its payload is not a JSON object')
  const { url, key, exp, flag, label, v } = json as Record<string, unknown>
  if (typeof url !== 'string' || !isManifestUrl(url)) invalidLink('it names no https: address to fetch the records from')
  const keyBytes = typeof key === 'string' && key.length === 43 ? fromBase64Url(key) : undefined
  if (keyBytes === undefined || keyBytes.length !== HEALTH_LINK_KEY_LENGTH) invalidLink('its key is not 32 bytes of base64url')
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= 0)) invalidLink('its expiry is not a time')
  if (flag !== undefined && (typeof flag !== 'string' || !Array.from(flag).every((f) => (FLAGS as readonly string[]).includes(f)) || new Set(flag).size !== flag.length)) invalidLink('its flags are not L, P or U')
  const flags = Array.from(flag ?? '') as HealthLinkFlag[]
  if (flags.includes('P') && flags.includes('U')) invalidLink('it asks for a passcode and a direct fetch at once')
  if (label !== undefined && (typeof label !== 'string' || Array.from(label).length > MAX_HEALTH_LINK_LABEL)) invalidLink('its label is longer than 80 characters')
  if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)) invalidLink('its version is not a number')
  if (v !== undefined && v > 1) invalidLink(`it is of version ${v}, newer than this app reads`)
  return {
    url,
    key: keyBytes,
    ...(exp === undefined ? {} : { exp: Math.floor(exp) }),
    flags,
    ...(label === undefined || label === '' ? {} : { label }),
    ...(v === undefined ? {} : { v })
  }
}

/**
 * Encrypts a file for a link: JWE compact, "dir" + "A256GCM" under the link's key, the content type in
 * "cty", the plaintext compressed with raw DEFLATE ("zip": "DEF").
 * @throws {CryptoError} `INVALID_KEY` for a key that is not 32 bytes.
 */
export async function sealHealthLinkFile(key: Uint8Array, plaintext: Uint8Array, contentType: HealthLinkContentType = 'application/fhir+json'): Promise<string> {
  if (key.length !== HEALTH_LINK_KEY_LENGTH) throw new CryptoError('INVALID_KEY', 'A SMART Health Link key is 32 bytes.')
  return await new CompactEncrypt(deflateSync(plaintext, { level: 6 })).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: contentType, zip: 'DEF' }).encrypt(key)
}

/** Inflates raw DEFLATE, refusing to go past `max` bytes. */
function inflateAtMost(bytes: Uint8Array, max: number): Uint8Array {
  const chunks: Uint8Array[] = []
  let total = 0
  const inflate = new Inflate((chunk) => {
    total += chunk.length
    if (total > max) throw new CryptoError('DECRYPTION_FAILED', `The shared file would unpack to more than ${max / 1024 / 1024} MB: it is refused.`)
    chunks.push(chunk)
  })
  inflate.push(bytes, true)
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

/**
 * Opens a link's file with the link's key: its plaintext (inflated when "zip" is "DEF") and the content type it names.
 * @throws {CryptoError} `DECRYPTION_FAILED` when it is not a JWE of "dir" and "A256GCM", does not open with this
 *   key (altered, or another link's), names another compression, or would inflate past 32 MB.
 */
export async function openHealthLinkFile(key: Uint8Array, jwe: string, maxPlaintext = MAX_HEALTH_LINK_PLAINTEXT): Promise<{ plaintext: Uint8Array; contentType: string | undefined }> {
  const unreadable = (cause?: unknown): CryptoError => new CryptoError('DECRYPTION_FAILED', 'The shared file does not open with this link\'s key: the link is damaged, or the file was altered.', cause === undefined ? {} : { cause })
  if (key.length !== HEALTH_LINK_KEY_LENGTH) throw new CryptoError('INVALID_KEY', 'A SMART Health Link key is 32 bytes.')
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(jwe)
  } catch (error) {
    throw unreadable(error)
  }
  if (header.alg !== 'dir' || header.enc !== 'A256GCM') throw unreadable()
  if (header.zip !== undefined && header.zip !== 'DEF') throw unreadable()
  let opened: Awaited<ReturnType<typeof compactDecrypt>>
  try {
    opened = await compactDecrypt(jwe, key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] })
  } catch (error) {
    throw unreadable(error)
  }
  let plaintext = opened.plaintext
  if (header.zip === 'DEF') {
    try {
      plaintext = inflateAtMost(plaintext, maxPlaintext)
    } catch (error) {
      throw error instanceof CryptoError ? error : unreadable(error)
    }
  } else if (plaintext.length > maxPlaintext) throw unreadable()
  return { plaintext, contentType: typeof header.cty === 'string' ? header.cty : undefined }
}
