// Files attached to records: a PDF becomes a DocumentReference, an image a Media. The file is
// checked (size, limits, type by its bytes), sealed on this device under a key derived from the
// reports category key of the epoch new records go under, and stored as IPFS blocks; the record
// that names it goes into the history like any other, so only readers of reports can find or open
// it. Opening fetches the blocks (from this device or a connected peer that holds them), checks
// every chunk and the file's SHA-256, and gives the file only when all of it is sound.
import type { DocumentReference, Media } from '@medplum/fhirtypes'
import { attachmentDigest, categoryKeysFor, CryptoError, newAttachmentFileId, openAttachment, sealAttachment, sealedAttachmentSize, sealingKey, type EpochKeyring } from '../crypto/index.ts'
import {
  attachmentOf,
  CATEGORIES,
  CATEGORY_OF_TYPE,
  checkAttachmentFile,
  sealedFilesOf,
  sniffContentType,
  type HistoryEntry,
  type SealedFileRef
} from '../history/index.ts'
import { attachmentStoreOn, historyLogAddress, type AttachmentStore, type P2PNode } from '../p2p/index.ts'
import { SessionError } from './SessionError.ts'

/** The category attached files belong to: reports (DocumentReference and Media both). */
const FILES_CATEGORY = CATEGORIES.indexOf(CATEGORY_OF_TYPE.DocumentReference)

/** The history an attachment goes into or comes from: its patient, its records and the keys this device holds. */
export interface AttachmentHistory {
  readonly patient: string
  entries(): readonly HistoryEntry[]
  keyring(): EpochKeyring
}

/** A file the user chose. */
export interface ChosenAttachment {
  bytes: Uint8Array
  /** The file's name: the record's title. */
  name: string
  /** The type the browser gives it (from its name), or ''. */
  type: string
}

/** A file opened and checked: its bytes as a Blob of its stated type. */
export interface OpenedAttachment {
  blob: Blob
  ref: SealedFileRef
}

export interface AttachmentFiles {
  /**
   * Seals and stores a file and returns the record that names it (not yet in the history: the caller adds it).
   * @throws {HistoryError} `ATTACHMENT_REFUSED` for a file over the limits or not a PDF or image;
   *   {@link CryptoError} `NOT_GRANTED` for a writer whose grant does not cover reports.
   */
  attach(file: ChosenAttachment, details?: { description?: string }): Promise<DocumentReference | Media>
  /**
   * Fetches, opens and checks the file a record names.
   * @param onProgress - Called with the bytes received so far and the total, as blocks arrive.
   * @throws {SessionError} `ATTACHMENT_UNREADABLE` when the category is not shared with this reader, when a block is
   *   altered or missing, or when the file does not match its hash: nothing of it is given.
   */
  open(ref: SealedFileRef, options?: { onProgress?: (received: number, total: number) => void; signal?: AbortSignal }): Promise<OpenedAttachment>
  /** What the history's attached files add up to, in bytes. */
  totalBytes(): number
}

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes))
const fromBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

/** The files of `history`, stored in and read from `store`. */
export function attachmentFiles(history: AttachmentHistory, store: AttachmentStore, clock: { now(): number } = Date): AttachmentFiles {
  const totalBytes = (): number => {
    const sizes = new Map<string, number>()
    for (const entry of history.entries()) {
      try {
        for (const ref of sealedFilesOf(entry.record)) sizes.set(ref.cid, ref.size)
      } catch {
        // A record is validated as it enters: one that does not read here names no file.
      }
    }
    return [...sizes.values()].reduce((sum, size) => sum + size, 0)
  }

  return {
    totalBytes,
    attach: async (file, details = {}) => {
      const contentType = checkAttachmentFile(file.bytes, file.type, totalBytes())
      const { epoch, key } = sealingKey(history.keyring(), FILES_CATEGORY, 'reports and attached files')
      const fileId = newAttachmentFileId()
      const cid = await store.put(sealAttachment(key, fileId, file.bytes))
      const ref: SealedFileRef = {
        cid,
        size: file.bytes.length,
        contentType,
        title: file.name === '' ? 'Attached file' : file.name,
        fileId: toBase64(fileId),
        sha256: toBase64(attachmentDigest(file.bytes)),
        epoch
      }
      const now = new Date(clock.now()).toISOString()
      const subject = { reference: `Patient/${history.patient.toLowerCase()}` }
      const attachment = { ...attachmentOf(ref), creation: now }
      const description = details.description?.trim() ?? ''
      const record: DocumentReference | Media =
        contentType === 'application/pdf'
          ? { resourceType: 'DocumentReference', id: globalThis.crypto.randomUUID(), status: 'current', subject, date: now, description: description === '' ? ref.title : description, content: [{ attachment }] }
          : { resourceType: 'Media', id: globalThis.crypto.randomUUID(), status: 'completed', subject, issued: now, content: attachment, ...(description === '' ? {} : { note: [{ text: description }] }) }
      return record
    },
    open: async (ref, options = {}) => {
      const keys = categoryKeysFor(history.keyring(), ref.epoch, CATEGORIES.length)
        .filter((held) => held.category === FILES_CATEGORY)
        .map((held) => held.key)
      const total = sealedAttachmentSize(ref.size)
      let received = 0
      const counted = async function* (): AsyncGenerator<Uint8Array> {
        for await (const piece of store.read(ref.cid, options.signal === undefined ? {} : { signal: options.signal })) {
          received += piece.length
          options.onProgress?.(Math.min(received, total), total)
          yield piece
        }
      }
      const parts: Uint8Array[] = []
      try {
        for await (const part of openAttachment(keys, fromBase64(ref.fileId), ref.size, counted())) parts.push(part)
      } catch (error) {
        if (error instanceof CryptoError && error.code === 'NOT_GRANTED') {
          throw new SessionError('ATTACHMENT_UNREADABLE', "This attachment's category is not shared with you: the patient did not share reports and their files with you.", { cause: error })
        }
        if (error instanceof CryptoError) throw new SessionError('ATTACHMENT_UNREADABLE', `${error.message} It may have been damaged in storage or replaced by a peer.`, { cause: error })
        throw new SessionError('ATTACHMENT_UNREADABLE', 'This attachment could not be fetched: no connected device or keeper holds it now. Try again when the patient is connected.', { cause: error })
      }
      const file = new Uint8Array(ref.size)
      let at = 0
      for (const part of parts) {
        file.set(part, at)
        at += part.length
      }
      if (toBase64(attachmentDigest(file)) !== ref.sha256) {
        throw new SessionError('ATTACHMENT_UNREADABLE', 'This attachment does not match the hash its record states: it is not the file that was attached, so it is not shown.')
      }
      // The bytes must still be what the record says they are, whoever wrote it: a page named as a PDF is not shown.
      if (sniffContentType(file) !== ref.contentType) {
        throw new SessionError('ATTACHMENT_UNREADABLE', `This attachment is not the ${ref.contentType} its record says it is, so it is not shown.`)
      }
      return { blob: new Blob([file], { type: ref.contentType }), ref }
    }
  }
}

/** The sealed files the records of a history name, once each: what the patient's keepers are to hold (root CID, sealed size). */
export function filesToKeep(entries: readonly HistoryEntry[]): { cid: string; bytes: number }[] {
  const files = new Map<string, number>()
  for (const entry of entries) {
    try {
      for (const ref of sealedFilesOf(entry.record)) files.set(ref.cid, sealedAttachmentSize(ref.size))
    } catch {
      // A record is validated as it enters: one that does not read here names no file.
    }
  }
  return [...files].map(([cid, bytes]) => ({ cid, bytes }))
}

/**
 * The files of `history` on a started node: stored in this device's blockstore and recorded under the
 * history, fetched over the file protocol from connected peers that serve them to this device (the
 * patient's device during a visit, a keeper) when not held here.
 */
export function attachmentFilesOn(node: Pick<P2PNode, 'blockstore' | 'datastore' | 'libp2p' | 'conduct'>, history: AttachmentHistory): AttachmentFiles {
  return attachmentFiles(history, attachmentStoreOn(node, historyLogAddress(history.patient)))
}
