import { describe, expect, it } from 'vitest'
import { SEALED_PDF } from '../../test/fixtures/recordFixtures.ts'
import { attachmentOf, checkAttachmentFile, MAX_ATTACHMENT_BYTES, MAX_HISTORY_ATTACHMENT_BYTES, readSealedFile, sniffContentType } from './attachment.ts'
import { HistoryError } from './HistoryError.ts'

const pdf = new TextEncoder().encode('%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n')
const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13)
const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16)
const html = new TextEncoder().encode('<html><script>alert(1)</script></html>')

function refusal(run: () => unknown): HistoryError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(HistoryError)
    return error as HistoryError
  }
  throw new Error('expected a refusal')
}

describe('the files a record may carry', () => {
  it('are known by their first bytes', () => {
    expect(sniffContentType(pdf)).toBe('application/pdf')
    expect(sniffContentType(png)).toBe('image/png')
    expect(sniffContentType(jpeg)).toBe('image/jpeg')
    expect(sniffContentType(html)).toBeUndefined()
  })

  it('are accepted as PDF or image within the limits', () => {
    expect(checkAttachmentFile(pdf, 'application/pdf', 0)).toBe('application/pdf')
    expect(checkAttachmentFile(jpeg, '', 0)).toBe('image/jpeg')
  })

  it('refuse a page named as a PDF: its bytes decide', () => {
    const error = refusal(() => checkAttachmentFile(html, 'application/pdf', 0))
    expect(error.code).toBe('ATTACHMENT_REFUSED')
    expect(error.message).toMatch(/Only PDF documents and PNG, JPEG, GIF or WebP images/)
  })

  it('refuse a PDF that says it is an image', () => {
    expect(refusal(() => checkAttachmentFile(pdf, 'image/png', 0)).message).toMatch(/says it is image\/png, but its contents are application\/pdf/)
  })

  it('refuse a file over 25 MB, and one that would take the history past 500 MB', () => {
    const big = new Uint8Array(MAX_ATTACHMENT_BYTES + 1)
    big.set(pdf)
    expect(refusal(() => checkAttachmentFile(big, 'application/pdf', 0)).message).toMatch(/up to 25 MB/)
    expect(refusal(() => checkAttachmentFile(pdf, 'application/pdf', MAX_HISTORY_ATTACHMENT_BYTES - 10)).message).toMatch(/limit of 500 MB/)
  })

  it('refuse an empty file', () => {
    expect(refusal(() => checkAttachmentFile(new Uint8Array(0), '', 0)).message).toMatch(/empty/)
  })
})

describe('a sealed file named by its record', () => {
  it('reads back as written', () => {
    expect(readSealedFile(attachmentOf(SEALED_PDF))).toEqual(SEALED_PDF)
  })

  it('carries no key: only the CID, size, type, title, file id and hash', () => {
    expect(JSON.stringify(attachmentOf(SEALED_PDF))).not.toMatch(/key/i)
  })
})
