import { deflateSync } from 'fflate'
import { CompactEncrypt } from 'jose'
import { describe, expect, it } from 'vitest'
import { decodeHealthLink, encodeHealthLink, fromBase64Url, newHealthLinkKey, openHealthLinkFile, sealHealthLinkFile, toBase64Url } from './healthLink.ts'

const key = Uint8Array.from({ length: 32 }, (_, i) => i)
const url = 'https://keeper.example/shl/Y9xwkUdtmN9wwoJoN3ffJIhX2UGvCL1JnlPVNL3kDWM'
const payloadText = (json: unknown): string => `shlink:/${toBase64Url(new TextEncoder().encode(JSON.stringify(json)))}`

describe('SMART Health Link payload', () => {
  it('round-trips a payload as the specification writes it: base64url JSON with a 43-character key and sorted flags', () => {
    const text = encodeHealthLink({ url, key, exp: 1_900_000_000, flags: ['P', 'L'], label: 'Records for Dr Grey' })
    expect(text.startsWith('shlink:/')).toBe(true)
    const json = JSON.parse(new TextDecoder().decode(fromBase64Url(text.slice(8)))) as Record<string, unknown>
    expect(json).toEqual({ url, key: toBase64Url(key), exp: 1_900_000_000, flag: 'LP', label: 'Records for Dr Grey', v: 1 })
    expect((json.key as string).length).toBe(43)
    const decoded = decodeHealthLink(text)
    expect(decoded).toEqual({ url, key, exp: 1_900_000_000, flags: ['L', 'P'], label: 'Records for Dr Grey', v: 1 })
  })

  it('reads the viewer-prefixed form and a payload without the optional fields', () => {
    const bare = payloadText({ url, key: toBase64Url(key) })
    expect(decodeHealthLink(`https://viewer.example/app/#${bare}`)).toEqual({ url, key, flags: [] })
  })

  it.each([
    ['no prefix', 'https://viewer.example/'],
    ['text before the prefix that is not a viewer URL', `see ${payloadText({ url, key: toBase64Url(key) })}`],
    ['not base64url', 'shlink:/%%%'],
    ['not JSON', `shlink:/${toBase64Url(new TextEncoder().encode('{url'))}`],
    ['an array', payloadText([url])],
    ['no url', payloadText({ key: toBase64Url(key) })],
    ['a plain-http url off loopback', payloadText({ url: 'http://keeper.example/x', key: toBase64Url(key) })],
    ['a javascript: url', payloadText({ url: 'javascript:alert(1)', key: toBase64Url(key) })],
    ['a short key', payloadText({ url, key: toBase64Url(key.slice(0, 31)) })],
    ['a key with padding', payloadText({ url, key: `${toBase64Url(key)}=` })],
    ['unknown flags', payloadText({ url, key: toBase64Url(key), flag: 'LX' })],
    ['P with U', payloadText({ url, key: toBase64Url(key), flag: 'PU' })],
    ['a label of 81 characters', payloadText({ url, key: toBase64Url(key), label: 'x'.repeat(81) })],
    ['a newer version', payloadText({ url, key: toBase64Url(key), v: 2 })],
    ['an expiry that is text', payloadText({ url, key: toBase64Url(key), exp: 'soon' })]
  ])('refuses a link with %s, in words for the recipient', (_, text) => {
    expect(() => decodeHealthLink(text)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('not a SMART Health Link') as string }))
  })

  it('refuses to write a link the specification does not allow', () => {
    expect(() => encodeHealthLink({ url, key: key.slice(1), flags: [] })).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }))
    expect(() => encodeHealthLink({ url: 'ftp://x', key, flags: [] })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    expect(() => encodeHealthLink({ url, key, flags: ['P', 'U'] })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    expect(() => encodeHealthLink({ url, key, flags: [], label: 'é'.repeat(81) })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })

  it('makes a fresh 32-byte key each time', () => {
    const a = newHealthLinkKey()
    expect(a.length).toBe(32)
    expect(toBase64Url(a)).not.toBe(toBase64Url(newHealthLinkKey()))
  })
})

describe('SMART Health Link file (JWE)', () => {
  const bundle = new TextEncoder().encode(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Condition', code: { text: 'Asthma' } } }] }))

  it('seals as JWE compact with dir, A256GCM, cty and DEF, and opens back to the same bytes', async () => {
    const jwe = await sealHealthLinkFile(key, bundle)
    expect(jwe.split('.')).toHaveLength(5)
    expect(jwe.split('.')[1]).toBe('')
    const header = JSON.parse(new TextDecoder().decode(fromBase64Url(jwe.split('.')[0] ?? ''))) as unknown
    expect(header).toEqual({ alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json', zip: 'DEF' })
    expect(jwe).not.toContain('Asthma')
    const opened = await openHealthLinkFile(key, jwe)
    expect(new TextDecoder().decode(opened.plaintext)).toBe(new TextDecoder().decode(bundle))
    expect(opened.contentType).toBe('application/fhir+json')
  })

  it('opens a file another sender wrote without compression', async () => {
    const jwe = await new CompactEncrypt(bundle).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json' }).encrypt(key)
    expect(new TextDecoder().decode((await openHealthLinkFile(key, jwe)).plaintext)).toContain('Asthma')
  })

  it('refuses another key, an altered file, and text that is no JWE', async () => {
    const jwe = await sealHealthLinkFile(key, bundle)
    await expect(openHealthLinkFile(newHealthLinkKey(), jwe)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' })
    const parts = jwe.split('.')
    const cipher = parts[3] ?? ''
    parts[3] = (cipher[0] === 'A' ? 'B' : 'A') + cipher.slice(1)
    await expect(openHealthLinkFile(key, parts.join('.'))).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' })
    await expect(openHealthLinkFile(key, '<html>not found</html>')).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' })
  })

  it('refuses a file that would inflate past the limit (a zip bomb) without inflating it whole', async () => {
    const bomb = deflateSync(new Uint8Array(4 * 1024 * 1024))
    const jwe = await new CompactEncrypt(bomb).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' }).encrypt(key)
    await expect(openHealthLinkFile(key, jwe, 1024 * 1024)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED', message: expect.stringContaining('more than 1 MB') as string })
  })
})
