import { describe, expect, it } from 'vitest'
import type { P2PNode, WalletAddress, WalletIdentity } from '../p2p/index.ts'
import { MAX_PASSCODE_FAILURES } from './linkProtocol.ts'
import { hashPasscode, serveShareLinks, type LinkRecord, type LinkStore } from './linkStore.ts'

const patient = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' as WalletAddress
const id = 'Y9xwkUdtmN9wwoJoN3ffJIhX2UGvCL1JnlPVNL3kDWM'
const now = 1_780_000_000_000
const file = new TextEncoder().encode('eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aaaa.bbbb.cccc')

/** A keeper's link store in memory, and a node that only takes a protocol handler. */
async function keeperWith(record: Omit<Partial<LinkRecord>, 'passcode'> & { passcode?: string }, options: { enrolled?: boolean; clock?: () => number } = {}) {
  const { passcode, ...rest } = record
  const salt = new Uint8Array(16).fill(3)
  const kept: LinkRecord = { patient, id, created: now, expires: 0, failures: 0, openings: [], ...rest, ...(passcode === undefined ? {} : { passcode: { salt, hash: await hashPasscode(passcode, salt) } }) }
  const files = new Map<string, Uint8Array>([[id, file]])
  const writes: LinkRecord[] = []
  const store: LinkStore = {
    all: () => Promise.resolve([kept]),
    put: (written, bytes) => {
      writes.push(structuredClone(written))
      if (bytes !== undefined) files.set(written.id, bytes)
      return Promise.resolve()
    },
    file: (written) => Promise.resolve(files.get(written.id)),
    dropFile: (written) => {
      files.delete(written.id)
      return Promise.resolve()
    },
    delete: (written) => {
      files.delete(written.id)
      return Promise.resolve()
    }
  }
  const node = { libp2p: { peerId: { toString: () => '12D3KooWKeeper' }, handle: () => Promise.resolve(), unhandle: () => Promise.resolve() } } as unknown as P2PNode
  const identity = { verified: { address: '0x90f79bf6eb2c4f870365e785982e1f101e93b906' }, bytes: new Uint8Array(0) } as unknown as WalletIdentity
  const links = await serveShareLinks({ node, identity, store, baseUrl: 'https://keeper.example/shl', isEnrolled: () => options.enrolled ?? true, now: options.clock ?? (() => now) })
  return { links, files, writes }
}

describe("a keeper's link manifests", () => {
  it('counts wrong passcodes, answers 401 with the attempts left, and stops the link at the fifth, deleting its file', async () => {
    const { links, files, writes } = await keeperWith({ passcode: 'heron-4417' })
    const left: unknown[] = []
    for (let i = 0; i < MAX_PASSCODE_FAILURES; i++) {
      const answer = await links.manifest(id, { recipient: 'A guesser', passcode: `guess-${i}` })
      expect(answer.status).toBe(401)
      left.push(answer.json?.remainingAttempts)
    }
    expect(left).toEqual([4, 3, 2, 1, 0])
    expect(files.has(id)).toBe(false)
    expect(writes.at(-1)).toMatchObject({ failures: 5, lockedAt: now })
    // The right passcode opens nothing once the link stopped.
    expect((await links.manifest(id, { recipient: 'Dr Grey', passcode: 'heron-4417' })).status).toBe(404)
  })

  it('counts wrong passcodes sent at once each, and a missing passcode as a wrong one', async () => {
    const { links } = await keeperWith({ passcode: 'heron-4417' })
    const answers = await Promise.all([links.manifest(id, { recipient: 'A', passcode: 'x' }), links.manifest(id, { recipient: 'B', passcode: 'y' }), links.manifest(id, { recipient: 'C' })])
    expect(answers.map((a) => a.json?.remainingAttempts).sort()).toEqual([2, 3, 4])
  })

  it('opens with the right passcode, embeds the file, and logs the recipient by the name given', async () => {
    const { links, writes } = await keeperWith({ passcode: 'heron-4417' })
    const answer = await links.manifest(id, { recipient: '  Dr Meredith Grey ', passcode: 'heron-4417' })
    expect(answer).toEqual({ status: 200, json: { files: [{ contentType: 'application/fhir+json', embedded: new TextDecoder().decode(file) }] } })
    expect(writes.at(-1)?.openings).toEqual([{ recipient: 'Dr Meredith Grey', at: now }])
  })

  it('hands out a short-lived location when the viewer takes no embedded file that long', async () => {
    let clock = now
    const { links } = await keeperWith({}, { clock: () => clock })
    const answer = await links.manifest(id, { recipient: 'Dr Grey', embeddedLengthMax: 10 })
    const location = (answer.json?.files as { location: string }[])[0]?.location ?? ''
    const match = /^https:\/\/keeper\.example\/shl\/([\w-]{43})\/file\/([\w-]{43})$/.exec(location)
    expect(match?.[1]).toBe(id)
    expect((await links.file(id, match?.[2] ?? '')).jose).toBe(new TextDecoder().decode(file))
    expect((await links.file(id, 'A'.repeat(43))).status).toBe(404)
    clock += 60 * 60_000 + 1
    expect((await links.file(id, match?.[2] ?? '')).status).toBe(404)
  })

  it('refuses a request without a recipient, or with a name that is no line of text', async () => {
    const { links } = await keeperWith({})
    for (const body of [{}, { recipient: '' }, { recipient: 'Dr\nGrey' }, { recipient: 'x'.repeat(121) }, [], 'Dr Grey', null]) expect((await links.manifest(id, body)).status).toBe(400)
  })

  it('answers 404 for an unknown or malformed id, a deactivated or expired link, and a patient no longer enrolled', async () => {
    expect((await (await keeperWith({})).links.manifest('A'.repeat(43), { recipient: 'Dr Grey' })).status).toBe(404)
    expect((await (await keeperWith({})).links.manifest('../../etc', { recipient: 'Dr Grey' })).status).toBe(404)
    expect((await (await keeperWith({ deactivatedAt: now - 1 })).links.manifest(id, { recipient: 'Dr Grey' })).status).toBe(404)
    const expired = await keeperWith({ expires: now / 1000 - 1 })
    expect((await expired.links.manifest(id, { recipient: 'Dr Grey' })).status).toBe(404)
    expect(expired.files.has(id)).toBe(false)
    expect((await (await keeperWith({}, { enrolled: false })).links.manifest(id, { recipient: 'Dr Grey' })).status).toBe(404)
  })
})
