// SMART Health Links against a real keeper process on a real local chain: the patient's device seals
// a Bundle under a fresh key and leaves the ciphertext with its keeper; a viewer with only the link
// fetches the manifest over HTTP (as the specification says) and opens it. Refused: wrong passcodes
// (counted, the fifth stops the link), a deactivated or expired link, uploads from a stranger or an
// unenrolled patient or with a forged signature, a stranger's deactivation. The keeper's disk never
// holds the records' text, the passcode or the key; its web server serves nothing but manifests.
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest'
import { decodeHealthLink, toBase64Url } from '../../src/crypto/index.ts'
import { deactivateLink, enrolKeeper, KeeperError, listLinks, storeLink, MAX_PASSCODE_FAILURES } from '../../src/keeper/index.ts'
import { LINK_PROTOCOL, passcodeDigest, signLinkStatement } from '../../src/keeper/linkProtocol.ts'
import { MessageReader, sendMessage } from '../../src/p2p/syncWire.ts'
import { sha256 } from '@noble/hashes/sha2.js'
import { deactivateSharedLink, listSharedLinks, openHealthLink, shareByLink, type LinkKeepers } from '../../src/session/healthLinks.ts'
import { SessionError } from '../../src/session/index.ts'
import type { P2PNode } from '../../src/p2p/index.ts'
import { memoryDevice, type Cleanups, type Person } from './historyFixtures.ts'
import { personOn, spawnKeeper, startChain, type KeeperProcess, type TestChain } from './keeperFixtures.ts'

let chain: TestChain
let patient: Person
let stranger: Person
let keeper: KeeperProcess
/** The keeper's manifest URLs start with it. */
let linksUrl: string
let patientNode: P2PNode
let strangerNode: P2PNode
const suite: Cleanups = []
const cleanups: Cleanups = []

const RECORD_TEXT = 'Severe persistent asthma since 2009'
const bundle = new TextEncoder().encode(
  JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Condition', id: 'c1', code: { text: RECORD_TEXT } } }] })
)

beforeAll(async () => {
  chain = await startChain()
  suite.push(() => chain.stop())
  ;[patient, stranger] = await Promise.all([personOn(chain, 'Patient'), personOn(chain, 'Second patient')])
  keeper = await spawnKeeper(suite, { chain, links: true })
  linksUrl = keeper.linksUrl ?? ''
  expect(linksUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/shl$/)
  ;({ node: patientNode } = await memoryDevice(patient, suite))
  ;({ node: strangerNode } = await memoryDevice(stranger, suite))
  await enrolKeeper(patientNode, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: 10 * 1024 * 1024 })
}, 120_000)

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

afterAll(async () => {
  for (const cleanup of suite.splice(0).reverse()) await cleanup().catch(() => undefined)
})

const callerOf = (person: Person) => ({ identity: person.identity, patient: person.address })

function keepersOf(node: P2PNode, person: Person): LinkKeepers {
  const caller = callerOf(person)
  return {
    addresses: [keeper.multiaddr],
    client: {
      store: (address, request) => storeLink(node, address, caller, request),
      list: (address) => listLinks(node, address, caller),
      deactivate: (address, link) => deactivateLink(node, address, caller, link)
    }
  }
}

async function failure(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call
  } catch (error) {
    if (error instanceof SessionError || error instanceof KeeperError) return { code: error instanceof KeeperError ? (error.reason ?? error.code) : error.code, message: error.message }
    throw error
  }
  throw new Error('it succeeded')
}

async function filesUnder(dir: string): Promise<{ file: string; bytes: Buffer }[]> {
  const out: { file: string; bytes: Buffer }[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    out.push({ file, bytes: await readFile(file) })
  }
  return out
}

async function manifest(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, json: (await response.json()) as Record<string, unknown> }
}

/** Speaks the link protocol by hand: hello, then `request` as it is. */
async function rawRequest(node: P2PNode, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  const signal = AbortSignal.timeout(15_000)
  const stream = await node.libp2p.dialProtocol(multiaddr(keeper.multiaddr), LINK_PROTOCOL, { signal })
  const reader = new MessageReader(stream)
  await sendMessage(stream, { t: 'hello' }, signal)
  await reader.next(signal)
  await sendMessage(stream, request, signal)
  const answer = (await reader.next(signal)) as Record<string, unknown>
  await stream.close().catch(() => undefined)
  return answer
}

describe('sharing a snapshot by SMART Health Link', () => {
  it('a viewer with only the link reads the records; the patient sees the opening by the name given; the keeper holds only ciphertext', async () => {
    const shared = await shareByLink(keepersOf(patientNode, patient), { bundle, label: 'For Dr Grey' })
    const payload = decodeHealthLink(shared.text)
    expect(payload.url).toBe(`${linksUrl}/${shared.id}`)
    expect(payload.flags).toEqual([])
    expect(payload.label).toBe('For Dr Grey')

    const opened = await openHealthLink(shared.text, { recipient: 'Dr Meredith Grey' })
    expect(JSON.stringify(opened.bundles[0])).toContain(RECORD_TEXT)
    expect(opened.label).toBe('For Dr Grey')

    const { links, problems } = await listSharedLinks(keepersOf(patientNode, patient))
    expect(problems).toEqual([])
    const mine = links.find((link) => link.id === shared.id)
    expect(mine).toMatchObject({ state: 'active', passcode: false, keeper: keeper.multiaddr })
    expect(mine?.openings.map((o) => o.recipient)).toEqual(['Dr Meredith Grey'])

    // The manifest is JSON of the specification's form, with the JWE embedded.
    const raw = await manifest(payload.url, { recipient: 'A viewer of another make', embeddedLengthMax: 1_000_000 })
    expect(raw.status).toBe(200)
    expect(raw.json.files).toEqual([{ contentType: 'application/fhir+json', embedded: expect.stringMatching(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/) as string }])
    // A viewer that takes no embedded file gets a location, fetched with GET.
    const located = await manifest(payload.url, { recipient: 'A small viewer', embeddedLengthMax: 10 })
    const location = (located.json.files as { location: string }[])[0]?.location ?? ''
    expect(location.startsWith(`${linksUrl}/${shared.id}/file/`)).toBe(true)
    const file = await fetch(location)
    expect(file.headers.get('content-type')).toBe('application/jose')
    expect(file.headers.get('access-control-allow-origin')).toBe('*')
    expect(await file.text()).toBe((raw.json.files as { embedded: string }[])[0]?.embedded)

    // Nothing on the keeper's disk reads the records or holds the key.
    for (const { file: name, bytes } of await filesUnder(keeper.dataDir)) {
      expect(bytes.indexOf(Buffer.from(RECORD_TEXT)), name).toBe(-1)
      expect(bytes.indexOf(Buffer.from(toBase64Url(payload.key))), name).toBe(-1)
      expect(bytes.indexOf(Buffer.from(payload.key)), name).toBe(-1)
    }
  })

  it('a passcode: a wrong one is refused with the attempts left, the right one opens, the fifth wrong one stops the link', async () => {
    const passcode = 'heron-4417'
    const shared = await shareByLink(keepersOf(patientNode, patient), { bundle, passcode })
    expect(decodeHealthLink(shared.text).flags).toEqual(['P'])
    expect(await failure(openHealthLink(shared.text, { recipient: 'Dr Grey' }))).toMatchObject({ code: 'LINK_PASSCODE', message: expect.stringContaining('needs the passcode') as string })
    expect(await failure(openHealthLink(shared.text, { recipient: 'Dr Grey', passcode: 'wrong-one' }))).toEqual({ code: 'LINK_PASSCODE', message: `Wrong passcode: ${MAX_PASSCODE_FAILURES - 1} attempts left before the link stops.` })
    const opened = await openHealthLink(shared.text, { recipient: 'Dr Grey', passcode })
    expect(JSON.stringify(opened.bundles)).toContain(RECORD_TEXT)
    const url = decodeHealthLink(shared.text).url
    const left: unknown[] = []
    for (let i = 2; i <= MAX_PASSCODE_FAILURES; i++) left.push((await manifest(url, { recipient: 'A guesser', passcode: `guess-${i}` })).json.remainingAttempts)
    expect(left).toEqual([3, 2, 1, 0])
    // Stopped: the right passcode opens nothing now.
    expect(await failure(openHealthLink(shared.text, { recipient: 'Dr Grey', passcode }))).toMatchObject({ code: 'LINK_UNAVAILABLE' })
    const mine = (await listSharedLinks(keepersOf(patientNode, patient))).links.find((link) => link.id === shared.id)
    expect(mine).toMatchObject({ state: 'locked', failures: MAX_PASSCODE_FAILURES })
    // The passcode is on no file of the keeper's, in the clear or as the statement's digest.
    for (const { file: name, bytes } of await filesUnder(keeper.dataDir)) {
      expect(bytes.indexOf(Buffer.from(passcode)), name).toBe(-1)
      expect(bytes.indexOf(Buffer.from(passcodeDigest(passcode))), name).toBe(-1)
    }
  })

  it('deactivation by the patient stops the link and deletes its file; a stranger cannot deactivate it', async () => {
    const shared = await shareByLink(keepersOf(patientNode, patient), { bundle })
    const link = { keeper: keeper.multiaddr, id: shared.id }
    const before = new Set((await filesUnder(keeper.dataDir)).map(({ file }) => file))
    expect([...before].some((file) => file.endsWith(`${shared.id}.jwe`))).toBe(true)
    expect(await failure(deactivateSharedLink(keepersOf(strangerNode, stranger), link))).toMatchObject({ code: 'unknown-link' })
    await openHealthLink(shared.text, { recipient: 'Dr Grey' })
    await deactivateSharedLink(keepersOf(patientNode, patient), link)
    expect(await failure(openHealthLink(shared.text, { recipient: 'Dr Grey' }))).toMatchObject({ code: 'LINK_UNAVAILABLE', message: expect.stringContaining('no longer opens') as string })
    expect((await filesUnder(keeper.dataDir)).some(({ file }) => file.endsWith(`${shared.id}.jwe`))).toBe(false)
    const mine = (await listSharedLinks(keepersOf(patientNode, patient))).links.find((l) => l.id === shared.id)
    expect(mine).toMatchObject({ state: 'deactivated' })
    expect(mine?.openings.map((o) => o.recipient)).toEqual(['Dr Grey'])
  })

  it('expiry: the keeper answers 404 once the link expired, and the viewer says so without asking', async () => {
    const expires = Math.floor(Date.now() / 1000) + 2
    const shared = await shareByLink(keepersOf(patientNode, patient), { bundle, expires })
    const url = decodeHealthLink(shared.text).url
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    expect((await manifest(url, { recipient: 'Dr Grey' })).status).toBe(404)
    expect(await failure(openHealthLink(shared.text, { recipient: 'Dr Grey' }))).toMatchObject({ code: 'LINK_UNAVAILABLE', message: expect.stringContaining('expired') as string })
    expect((await listSharedLinks(keepersOf(patientNode, patient))).links.find((l) => l.id === shared.id)).toMatchObject({ state: 'expired' })
  })

  it('refuses uploads from a patient who has not enrolled the keeper, with a forged signature, or for a file the patient did not sign', async () => {
    expect(await failure(shareByLink(keepersOf(strangerNode, stranger), { bundle }))).toMatchObject({ code: 'LINK_NOT_SHARED', message: expect.stringContaining('does not keep your history') as string })
    const file = new TextEncoder().encode('eyJhbGciOiJkaXIifQ..aaaa.bbbb.cccc')
    const statement = { v: 1 as const, kind: 'link-store' as const, patient: patient.address, keeper: keeper.address, peer: keeper.peerId, link: new Uint8Array(32).fill(7), digest: sha256(file), passcode: new Uint8Array(0), expires: 0, at: Date.now() }
    // The stranger signs a statement that names the patient: the identity is not the patient's.
    const forged = await signLinkStatement(stranger.identity, statement)
    expect(await rawRequest(strangerNode, { t: 'link-store', ...forged, file })).toEqual({ t: 'refused', reason: 'bad-signature' })
    // The patient's own signature over one file, sent with another.
    const signed = await signLinkStatement(patient.identity, statement)
    expect(await rawRequest(patientNode, { t: 'link-store', ...signed, file: new TextEncoder().encode('another file') })).toEqual({ t: 'refused', reason: 'bad-signature' })
    // No signature at all.
    expect(await rawRequest(patientNode, { t: 'link-store', statement: signed.statement, file })).toEqual({ t: 'refused', reason: 'malformed' })
    // Nothing of it was kept.
    expect((await filesUnder(keeper.dataDir)).some(({ file: name }) => name.includes(toBase64Url(statement.link)))).toBe(false)
  })

  it('serves nothing but link manifests and their files, with CORS open for any viewer', async () => {
    const origin = new URL(linksUrl).origin
    for (const pathname of ['/', '/config.json', '/shl', `/shl/${'A'.repeat(43)}/../../data`, '/blocks']) expect((await fetch(`${origin}${pathname}`)).status, pathname).toBe(404)
    expect((await manifest(`${linksUrl}/${'A'.repeat(43)}`, { recipient: 'Dr Grey' })).status).toBe(404)
    const preflight = await fetch(`${linksUrl}/${'A'.repeat(43)}`, { method: 'OPTIONS', headers: { origin: 'https://viewer.example', 'access-control-request-method': 'POST' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
  })
})
