// A file attached to a record (a report's PDF, an image) as its record describes it: the
// Attachment's url names the sealed file's IPFS CID, and an extension carries what a reader needs
// to derive its key and check it (the key epoch, the file id, a SHA-256 of the file), never the key. FHIR's own
// Attachment.hash is SHA-1, which no longer resists collisions: the history keeps SHA-256 instead.
// The limits and the file types accepted are here too, checked on the bytes, not the declared type.
import type { Attachment, Extension } from '@medplum/fhirtypes'
import { fail } from './fhirDatatypes.ts'
import { HistoryError } from './HistoryError.ts'

/** The extension on an Attachment that names how its file was sealed. */
export const SEALED_FILE_EXTENSION = 'https://anamnesis.health/fhir/StructureDefinition/sealed-file'
/** The largest file one record may carry: 25 MB. */
export const MAX_ATTACHMENT_BYTES = 25 * 1000 * 1000
/** The most a history may hold in attached files, all together: 500 MB. */
export const MAX_HISTORY_ATTACHMENT_BYTES = 500 * 1000 * 1000

/** The kinds of file a record may carry, by content type: PDF for documents, and the images a browser shows. */
export const ATTACHMENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const
/** A content type the history accepts for an attached file. */
export type AttachmentContentType = (typeof ATTACHMENT_TYPES)[number]

/** An attached file as its record names it. */
export interface SealedFileRef {
  /** The CID of the sealed file (a UnixFS file of ciphertext). */
  cid: string
  /** The file's size in bytes, before sealing. */
  size: number
  contentType: AttachmentContentType
  title: string
  /** The random file id its key is derived with, base64. */
  fileId: string
  /** SHA-256 of the file, base64. */
  sha256: string
  /** The key epoch whose category key the file's key is derived from. */
  epoch: number
}

const CID = /^b[a-z2-7]{58,}$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
/** Whether `text` is base64 of exactly `bytes` bytes. */
const isBase64Of = (text: string | undefined, bytes: number): text is string =>
  text !== undefined && BASE64.test(text) && (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0) === bytes

/** The Attachment a record carries for a sealed file. */
export function attachmentOf(ref: SealedFileRef): Attachment {
  return {
    contentType: ref.contentType,
    url: `ipfs://${ref.cid}`,
    size: ref.size,
    title: ref.title,
    extension: [{ url: SEALED_FILE_EXTENSION, extension: [{ url: 'fileId', valueBase64Binary: ref.fileId }, { url: 'sha256', valueBase64Binary: ref.sha256 }, { url: 'epoch', valueUnsignedInt: ref.epoch }] }]
  }
}

/**
 * Reads a record's Attachment as a sealed file, checking every part of it.
 *
 * @param path - Where the attachment is in the record, for the message.
 * @throws {HistoryError} `MISSING_FIELD` or `INVALID_FIELD` naming what is wrong.
 */
export function readSealedFile(attachment: Attachment, path = 'attachment'): SealedFileRef {
  const url = attachment.url
  if (url === undefined) fail('MISSING_FIELD', `${path}.url`, 'is missing: an attached file is named by its ipfs:// address')
  if (!url.startsWith('ipfs://') || !CID.test(url.slice(7))) fail('INVALID_FIELD', `${path}.url`, 'must be ipfs:// followed by the CID (base32, CIDv1) of the sealed file')
  const size = attachment.size
  if (size === undefined) fail('MISSING_FIELD', `${path}.size`, "is missing: an attached file states its size")
  if (size > MAX_ATTACHMENT_BYTES) fail('INVALID_FIELD', `${path}.size`, `is over the limit of ${MAX_ATTACHMENT_BYTES / 1e6} MB per file`)
  const contentType = attachment.contentType
  if (!(ATTACHMENT_TYPES as readonly (string | undefined)[]).includes(contentType)) fail('INVALID_FIELD', `${path}.contentType`, `must be one of ${ATTACHMENT_TYPES.join(', ')}`)
  const sealed = (attachment.extension ?? []).find((e: Extension) => e.url === SEALED_FILE_EXTENSION)
  if (sealed === undefined) fail('MISSING_FIELD', `${path}.extension`, `is missing the ${SEALED_FILE_EXTENSION} extension that says how the file was sealed`)
  const part = (name: string): string | undefined => sealed.extension?.find((e) => e.url === name)?.valueBase64Binary
  const fileId = part('fileId')
  const sha256 = part('sha256')
  if (!isBase64Of(fileId, 16)) fail('INVALID_FIELD', `${path}.extension.fileId`, 'must be the 16-byte file id, base64')
  if (!isBase64Of(sha256, 32)) fail('INVALID_FIELD', `${path}.extension.sha256`, "must be the file's SHA-256, base64")
  const epoch = sealed.extension?.find((e) => e.url === 'epoch')?.valueUnsignedInt
  if (epoch === undefined || !Number.isSafeInteger(epoch) || epoch < 0) fail('INVALID_FIELD', `${path}.extension.epoch`, 'must be the key epoch the file was sealed under')
  return { epoch, cid: url.slice(7), size, contentType: contentType as AttachmentContentType, title: attachment.title ?? 'Attached file', fileId, sha256 }
}

/** The sealed files a record carries: a DocumentReference's contents, a Media's content; none for other types. */
export function sealedFilesOf(record: { resourceType: string; content?: unknown }): SealedFileRef[] {
  if (record.resourceType === 'Media') return [readSealedFile(record.content as Attachment, 'Media.content')]
  if (record.resourceType === 'DocumentReference') {
    return (record.content as { attachment: Attachment }[]).map((c, i) => readSealedFile(c.attachment, `DocumentReference.content[${i}].attachment`))
  }
  return []
}

const startsWith = (bytes: Uint8Array, magic: readonly number[], at = 0): boolean => magic.every((b, i) => bytes[at + i] === b)

/** The content type a file's first bytes show, among those accepted; undefined for any other file. */
export function sniffContentType(bytes: Uint8Array): AttachmentContentType | undefined {
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf' // %PDF-
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'image/gif' // GIF8
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp' // RIFF....WEBP
  return undefined
}

/**
 * Checks a file the user chose before anything of it is sealed or stored: its size against the
 * limits, and its type by its bytes (a declared type that its bytes do not bear out is refused).
 *
 * @param declaredType - The type the browser gives the file (from its name), or '' when none.
 * @param historyBytes - What the history's attached files already add up to.
 * @throws {HistoryError} `ATTACHMENT_REFUSED` with a message that says which limit or why the type is not accepted.
 */
export function checkAttachmentFile(bytes: Uint8Array, declaredType: string, historyBytes: number): AttachmentContentType {
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`
  if (bytes.length === 0) throw new HistoryError('ATTACHMENT_REFUSED', 'This file is empty: choose the PDF or image you meant to attach.')
  if (bytes.length > MAX_ATTACHMENT_BYTES) {
    throw new HistoryError('ATTACHMENT_REFUSED', `This file is ${mb(bytes.length)}; a record can carry files of up to ${MAX_ATTACHMENT_BYTES / 1e6} MB.`)
  }
  if (historyBytes + bytes.length > MAX_HISTORY_ATTACHMENT_BYTES) {
    throw new HistoryError(
      'ATTACHMENT_REFUSED',
      `Your history already holds ${mb(historyBytes)} of attached files; with this one it would pass the limit of ${MAX_HISTORY_ATTACHMENT_BYTES / 1e6} MB.`
    )
  }
  const sniffed = sniffContentType(bytes)
  if (sniffed === undefined) throw new HistoryError('ATTACHMENT_REFUSED', 'Only PDF documents and PNG, JPEG, GIF or WebP images can be attached; this file is none of these.')
  const declared = declaredType.toLowerCase()
  if (declared !== '' && declared !== sniffed && !(declared === 'image/jpg' && sniffed === 'image/jpeg')) {
    throw new HistoryError('ATTACHMENT_REFUSED', `This file says it is ${declared}, but its contents are ${sniffed}: it was not attached.`)
  }
  return sniffed
}
