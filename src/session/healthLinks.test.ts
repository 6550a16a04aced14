import { describe, expect, it } from 'vitest'
import { encodeHealthLink, newHealthLinkKey, sealHealthLinkFile } from '../crypto/index.ts'
import type { KeptLink } from '../keeper/index.ts'
import { openHealthLink, shareByLink, type LinkKeepers } from './healthLinks.ts'

const url = 'https://keeper.example/shl/Y9xwkUdtmN9wwoJoN3ffJIhX2UGvCL1JnlPVNL3kDWM'
const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Condition', code: { text: 'Asthma' } } }] }
const bytes = new TextEncoder().encode(JSON.stringify(bundle))

/** A fetch that answers the manifest request with `status` and `body`, and records what it was sent. */
function fakeFetch(status: number, body: unknown, sent: { url: string; init?: RequestInit }[] = []): typeof fetch {
  return (input, init) => {
    sent.push({ url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, ...(init === undefined ? {} : { init }) })
    return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }))
  }
}

async function failure(call: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  try {
    await call
  } catch (error) {
    return { code: (error as { code?: unknown }).code, message: (error as Error).message }
  }
  throw new Error('it opened')
}

describe('opening a SMART Health Link as a viewer', () => {
  it('posts the manifest request of the specification and opens the embedded file with the key', async () => {
    const key = newHealthLinkKey()
    const sent: { url: string; init?: RequestInit }[] = []
    const link = encodeHealthLink({ url, key, flags: ['P'], label: 'For Dr Grey' })
    const opened = await openHealthLink(link, { recipient: ' Dr Grey ', passcode: '1234', fetch: fakeFetch(200, { files: [{ contentType: 'application/fhir+json', embedded: await sealHealthLinkFile(key, bytes) }] }, sent) })
    expect(opened).toEqual({ bundles: [bundle], label: 'For Dr Grey' })
    expect(sent[0]?.url).toBe(url)
    expect(sent[0]?.init?.method).toBe('POST')
    expect(JSON.parse(typeof sent[0]?.init?.body === 'string' ? sent[0].init.body : '')).toEqual({ recipient: 'Dr Grey', passcode: '1234' })
  })

  it('says what went wrong: wrong passcode with attempts left, the last attempt, deactivated, unreachable, damaged, not FHIR', async () => {
    const key = newHealthLinkKey()
    const link = encodeHealthLink({ url, key, flags: ['P'] })
    const plain = encodeHealthLink({ url, key, flags: [] })
    expect(await failure(openHealthLink(link, { recipient: 'Dr Grey', passcode: 'x', fetch: fakeFetch(401, { remainingAttempts: 1 }) }))).toEqual({ code: 'LINK_PASSCODE', message: 'Wrong passcode: 1 attempt left before the link stops.' })
    expect(await failure(openHealthLink(link, { recipient: 'Dr Grey', passcode: 'x', fetch: fakeFetch(401, { remainingAttempts: 0 }) }))).toMatchObject({ code: 'LINK_UNAVAILABLE', message: expect.stringContaining('last attempt') as string })
    expect(await failure(openHealthLink(link, { recipient: 'Dr Grey', fetch: fakeFetch(200, {}) }))).toMatchObject({ code: 'LINK_PASSCODE', message: expect.stringContaining('needs the passcode') as string })
    expect(await failure(openHealthLink(plain, { recipient: 'Dr Grey', fetch: fakeFetch(404, { error: 'gone' }) }))).toMatchObject({ code: 'LINK_UNAVAILABLE', message: expect.stringContaining('deactivated') as string })
    expect(await failure(openHealthLink(plain, { recipient: 'Dr Grey', fetch: () => Promise.reject(new TypeError('Failed to fetch')) }))).toMatchObject({ code: 'LINK_UNREACHABLE', message: expect.stringContaining('could not be reached') as string })
    expect(await failure(openHealthLink(plain, { recipient: 'Dr Grey', fetch: fakeFetch(200, { something: 'else' }) }))).toMatchObject({ code: 'LINK_UNREACHABLE' })
    const otherKey = await sealHealthLinkFile(newHealthLinkKey(), bytes)
    expect(await failure(openHealthLink(plain, { recipient: 'Dr Grey', fetch: fakeFetch(200, { files: [{ contentType: 'application/fhir+json', embedded: otherKey }] }) }))).toMatchObject({ code: 'LINK_UNREADABLE' })
    const notFhir = await sealHealthLinkFile(key, new TextEncoder().encode('{"hello":1}'))
    expect(await failure(openHealthLink(plain, { recipient: 'Dr Grey', fetch: fakeFetch(200, { files: [{ contentType: 'application/fhir+json', embedded: notFhir }] }) }))).toMatchObject({ code: 'LINK_UNREADABLE', message: expect.stringContaining('not a FHIR resource') as string })
    expect(await failure(openHealthLink('shlink:/nonsense!', { recipient: 'Dr Grey', fetch: fakeFetch(200, {}) }))).toMatchObject({ code: 'LINK_MALFORMED' })
  })

  it('refuses an expired link without asking its server, and asks for a name first', async () => {
    const sent: { url: string }[] = []
    const expired = encodeHealthLink({ url, key: newHealthLinkKey(), flags: [], exp: 1_700_000_000 })
    expect(await failure(openHealthLink(expired, { recipient: 'Dr Grey', now: 1_700_000_001_000, fetch: fakeFetch(200, {}, sent) }))).toMatchObject({ code: 'LINK_UNAVAILABLE', message: expect.stringContaining('expired') as string })
    expect(await failure(openHealthLink(encodeHealthLink({ url, key: newHealthLinkKey(), flags: [] }), { recipient: '  ', fetch: fakeFetch(200, {}, sent) }))).toMatchObject({ message: expect.stringContaining('Give your name') as string })
    expect(sent).toEqual([])
  })
})

describe('sharing by link', () => {
  it('hands the keeper ciphertext only, tries the next keeper when one refuses, and puts the key in the link alone', async () => {
    const stored: { address: string; file: Uint8Array; passcode?: string; expires: number }[] = []
    const keepers: LinkKeepers = {
      addresses: ['/dns4/down.example/tcp/443/wss/p2p/A', '/dns4/up.example/tcp/443/wss/p2p/B'],
      client: {
        store: (address, request) => {
          if (address.includes('down')) return Promise.reject(new Error('unreachable'))
          stored.push({ address, ...request })
          return Promise.resolve(url)
        },
        list: () => Promise.resolve([] as KeptLink[]),
        deactivate: () => Promise.resolve()
      }
    }
    const shared = await shareByLink(keepers, { bundle: bytes, passcode: 'heron-4417', expires: 1_900_000_000, label: 'For Dr Grey' })
    expect(shared.keeper).toBe(keepers.addresses[1])
    expect(stored).toHaveLength(1)
    expect(new TextDecoder().decode(stored[0]?.file)).not.toContain('Asthma')
    expect(stored[0]).toMatchObject({ passcode: 'heron-4417', expires: 1_900_000_000 })
    const opened = await openHealthLink(shared.text, { recipient: 'Dr Grey', passcode: 'heron-4417', fetch: fakeFetch(200, { files: [{ contentType: 'application/fhir+json', embedded: new TextDecoder().decode(stored[0]?.file) }] }), now: 1_800_000_000_000 })
    expect(opened.bundles).toEqual([bundle])
    await expect(shareByLink({ ...keepers, addresses: [] }, { bundle: bytes })).rejects.toMatchObject({ code: 'LINK_NOT_SHARED' })
  })
})
