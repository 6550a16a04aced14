import { concatBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { ATTACHMENT_CHUNK, attachmentKey, newAttachmentFileId, openAttachment, sealAttachment, sealedAttachmentSize } from './attachmentCipher.ts'
import { categoryKey } from './categoryKeys.ts'
import { CryptoError } from './CryptoError.ts'

const epochKey = new Uint8Array(32).fill(3)
const reports = categoryKey(epochKey, 6)
const conditions = categoryKey(epochKey, 0)
const fileId = Uint8Array.from({ length: 16 }, (_, i) => i)

/** A file of `size` bytes whose every chunk differs, so a moved chunk is a different one. */
function file(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + (i >> 18)) & 0xff)
}

async function open(keys: Uint8Array[], size: number, sealed: Iterable<Uint8Array>, id = fileId): Promise<Uint8Array> {
  const out: Uint8Array[] = []
  for await (const chunk of openAttachment(keys, id, size, sealed)) out.push(chunk)
  return concatBytes(...out)
}

async function refusal(run: Promise<unknown>): Promise<CryptoError> {
  const error = await run.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(CryptoError)
  return error as CryptoError
}

/** `bytes` cut into pieces of `size`, as blocks arrive from a peer. */
function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  return Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size))
}

describe('attachment keys', () => {
  it('differ per file and per category, and are not the category key', () => {
    const other = newAttachmentFileId()
    const keys = [attachmentKey(reports, fileId), attachmentKey(reports, other), attachmentKey(conditions, fileId), reports].map((k) => Buffer.from(k).toString('hex'))
    expect(new Set(keys).size).toBe(4)
  })

  it('are the same for the same category key and file id, so every reader derives them', () => {
    expect(attachmentKey(reports, fileId)).toEqual(attachmentKey(categoryKey(new Uint8Array(32).fill(3), 6), fileId.slice()))
  })

  it('refuse a file id that is not 16 bytes', () => {
    expect(() => attachmentKey(reports, new Uint8Array(8))).toThrow(/16 bytes/)
  })
})

describe('sealing and opening an attachment', () => {
  for (const size of [0, 1, ATTACHMENT_CHUNK - 1, ATTACHMENT_CHUNK, ATTACHMENT_CHUNK + 1, 3 * ATTACHMENT_CHUNK + 5]) {
    it(`gives back a file of ${size} bytes, whatever sizes its blocks arrive in`, async () => {
      const plain = file(size)
      const sealed = concatBytes(...sealAttachment(reports, fileId, plain))
      expect(sealed.length).toBe(sealedAttachmentSize(size))
      expect(await open([reports], size, [sealed])).toEqual(plain)
      expect(await open([reports], size, pieces(sealed, 1000))).toEqual(plain)
    })
  }

  it('opens with the right key among several held', async () => {
    const plain = file(ATTACHMENT_CHUNK + 10)
    expect(await open([conditions, reports], plain.length, sealAttachment(reports, fileId, plain))).toEqual(plain)
  })

  it('contains none of the file in the clear', () => {
    const plain = file(2 * ATTACHMENT_CHUNK)
    const sealed = concatBytes(...sealAttachment(reports, fileId, plain))
    const probe = Buffer.from(plain.subarray(1000, 1032))
    expect(Buffer.from(sealed).indexOf(probe)).toBe(-1)
  })

  it('seals the same file differently under another file id', () => {
    const plain = file(100)
    const a = concatBytes(...sealAttachment(reports, fileId, plain))
    const b = concatBytes(...sealAttachment(reports, newAttachmentFileId(), plain))
    expect(a).not.toEqual(b)
  })
})

describe('an attachment tampered with', () => {
  const size = 3 * ATTACHMENT_CHUNK + 100
  const plain = file(size)
  const chunks = [...sealAttachment(reports, fileId, plain)]

  it('without the category key: refused as not shared', async () => {
    const error = await refusal(open([], size, chunks))
    expect(error.code).toBe('NOT_GRANTED')
    expect(error.message).toMatch(/category is not shared with you/)
  })

  it('under another category key: nothing opens', async () => {
    expect((await refusal(open([conditions], size, chunks))).code).toBe('DECRYPTION_FAILED')
  })

  it('truncated after a whole chunk: detected (the last chunk is bound as last)', async () => {
    const cut = chunks.slice(0, 3)
    expect((await refusal(open([reports], size, cut))).code).toBe('DECRYPTION_FAILED')
    // Even with the size claimed to match the shorter file, the chunk that is not last does not open as last.
    expect((await refusal(open([reports], 3 * ATTACHMENT_CHUNK, cut))).code).toBe('DECRYPTION_FAILED')
  })

  it('with two chunks swapped: detected', async () => {
    const swapped = [chunks[0], chunks[2], chunks[1], chunks[3]] as Uint8Array[]
    expect((await refusal(open([reports], size, swapped))).code).toBe('DECRYPTION_FAILED')
  })

  it('with a chunk from another file of the same category: detected', async () => {
    const otherId = newAttachmentFileId()
    const other = [...sealAttachment(reports, otherId, file(size))]
    const mixed = [chunks[0], other[1], chunks[2], chunks[3]] as Uint8Array[]
    expect((await refusal(open([reports], size, mixed))).code).toBe('DECRYPTION_FAILED')
  })

  it('with one byte flipped: detected, and no chunk after it is given out', async () => {
    const flipped = chunks.map((c) => c.slice())
    const third = flipped[2] as Uint8Array
    third[10] = (third[10] as number) ^ 1
    const given: Uint8Array[] = []
    const error = await refusal((async () => { for await (const c of openAttachment([reports], fileId, size, flipped)) given.push(c) })())
    expect(error.code).toBe('DECRYPTION_FAILED')
    expect(given.length).toBe(2)
  })

  it('with bytes added after the end: detected', async () => {
    expect((await refusal(open([reports], size, [...chunks, new Uint8Array(5)]))).code).toBe('DECRYPTION_FAILED')
  })
})
