import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { addEpochKey, categoryKey, categorySlot, type EpochKeyring } from '../crypto/index.ts'
import { readSealedFile, sealedFilesOf, validateRecord, type HistoryEntry } from '../history/index.ts'
import { attachmentStoreOver } from '../p2p/index.ts'
import { attachmentFiles, type AttachmentHistory } from './attachments.ts'
import { SessionError } from './SessionError.ts'

const PATIENT = '0x1111111111111111111111111111111111111111'
const epochKey = new Uint8Array(32).fill(9)
const patientKeys = addEpochKey(undefined, 0, epochKey)
const REPORTS = 6
const CONDITIONS = 0
const NOW = Date.UTC(2026, 10, 3, 12)

/** A PDF of `size` bytes whose body counts up, so any stretch of it is recognisable. */
function pdf(size: number): Uint8Array {
  const bytes = Uint8Array.from({ length: size }, (_, i) => 0x20 + (i % 90))
  bytes.set(new TextEncoder().encode('%PDF-1.7\n'))
  return bytes
}

function historyOf(keyring: EpochKeyring, entries: HistoryEntry[] = []): AttachmentHistory {
  return { patient: PATIENT, entries: () => entries, keyring: () => keyring }
}

async function refusal(run: Promise<unknown>): Promise<SessionError> {
  const error = await run.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(SessionError)
  return error as SessionError
}

describe('attaching a file', () => {
  it('stores it sealed, names it in a valid DocumentReference, and opens it again with progress', async () => {
    const blockstore = new MemoryBlockstore()
    const files = attachmentFiles(historyOf(patientKeys), attachmentStoreOver(blockstore), { now: () => NOW })
    const file = pdf(700_000)
    const record = await files.attach({ bytes: file, name: 'MRI report.pdf', type: 'application/pdf' })
    expect(record.resourceType).toBe('DocumentReference')
    validateRecord(record, { now: NOW + 1, patient: PATIENT })
    const [ref] = sealedFilesOf(record)
    if (ref === undefined) throw new Error('no file named')
    expect(ref).toMatchObject({ size: file.length, contentType: 'application/pdf', title: 'MRI report.pdf', epoch: 0 })

    const progress: number[] = []
    const opened = await files.open(ref, { onProgress: (received) => progress.push(received) })
    expect(new Uint8Array(await opened.blob.arrayBuffer())).toEqual(file)
    expect(opened.blob.type).toBe('application/pdf')
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.at(-1)).toBe(file.length + 3 * 16)
  })

  it('makes a Media for an image', async () => {
    const files = attachmentFiles(historyOf(patientKeys), attachmentStoreOver(new MemoryBlockstore()), { now: () => NOW })
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3)
    const record = await files.attach({ bytes: png, name: 'knee.png', type: 'image/png' })
    expect(record.resourceType).toBe('Media')
    validateRecord(record, { now: NOW + 1, patient: PATIENT })
  })

  it('leaves no stretch of the file in the clear in any stored block', async () => {
    const blockstore = new MemoryBlockstore()
    const files = attachmentFiles(historyOf(patientKeys), attachmentStoreOver(blockstore))
    const file = pdf(600_000)
    await files.attach({ bytes: file, name: 'a.pdf', type: 'application/pdf' })
    const probes = [file.subarray(0, 9), file.subarray(1000, 1024), file.subarray(400_000, 400_024)].map((p) => Buffer.from(p))
    let blocks = 0
    for await (const { bytes } of blockstore.getAll()) {
      blocks++
      const block = Buffer.concat(await Array.fromAsync(bytes))
      for (const probe of probes) expect(block.indexOf(probe)).toBe(-1)
    }
    expect(blocks).toBeGreaterThan(2)
  })

  it('refuses a file that is not a PDF or image, and one past the history limit, storing nothing', async () => {
    const blockstore = new MemoryBlockstore()
    const big = { id: 'x', writer: PATIENT, writtenAt: '', record: { resourceType: 'Media', content: { url: 'ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', size: 24_999_999, contentType: 'image/png', extension: [{ url: 'https://anamnesis.health/fhir/StructureDefinition/sealed-file', extension: [{ url: 'fileId', valueBase64Binary: 'AAECAwQFBgcICQoLDA0ODw==' }, { url: 'sha256', valueBase64Binary: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' }, { url: 'epoch', valueUnsignedInt: 0 }] }] } } }
    const entries = Array.from({ length: 20 }, (_, i) => ({ ...big, record: { ...big.record, content: { ...big.record.content, url: big.record.content.url.replace('zy', `z${'abcdefghijklmnopqrstuvwxyz'[i] ?? 'a'}`) } } })) as unknown as HistoryEntry[]
    const files = attachmentFiles(historyOf(patientKeys, entries), attachmentStoreOver(blockstore))
    expect(files.totalBytes()).toBe(20 * 24_999_999)
    await expect(files.attach({ bytes: pdf(1000), name: 'a.pdf', type: 'application/pdf' })).rejects.toThrow(/limit of 500 MB/)
    const html = new TextEncoder().encode('<html><script>alert(1)</script>')
    await expect(attachmentFiles(historyOf(patientKeys), attachmentStoreOver(blockstore)).attach({ bytes: html, name: 'r.pdf', type: 'application/pdf' })).rejects.toThrow(/Only PDF documents/)
    expect(await Array.fromAsync(blockstore.getAll())).toHaveLength(0)
  })
})

describe('opening a file', () => {
  async function stored(): Promise<{ blockstore: MemoryBlockstore; ref: ReturnType<typeof readSealedFile>; file: Uint8Array }> {
    const blockstore = new MemoryBlockstore()
    const file = pdf(800_000)
    const record = await attachmentFiles(historyOf(patientKeys), attachmentStoreOver(blockstore)).attach({ bytes: file, name: 'a.pdf', type: 'application/pdf' })
    const [ref] = sealedFilesOf(record)
    if (ref === undefined) throw new Error('no file named')
    return { blockstore, ref, file }
  }

  it('works for a doctor granted reports', async () => {
    const { blockstore, ref, file } = await stored()
    const doctor = addEpochKey(undefined, categorySlot(0, REPORTS), categoryKey(epochKey, REPORTS))
    const opened = await attachmentFiles(historyOf(doctor), attachmentStoreOver(blockstore)).open(ref)
    expect(new Uint8Array(await opened.blob.arrayBuffer())).toEqual(file)
  })

  it('is refused to a doctor whose grant does not cover reports, saying so', async () => {
    const { blockstore, ref } = await stored()
    const doctor = addEpochKey(undefined, categorySlot(0, CONDITIONS), categoryKey(epochKey, CONDITIONS))
    const error = await refusal(attachmentFiles(historyOf(doctor), attachmentStoreOver(blockstore)).open(ref))
    expect(error.message).toMatch(/category is not shared with you/)
  })

  it('detects a block replaced in storage, and gives nothing', async () => {
    const { blockstore, ref } = await stored()
    // A raw leaf of the file, its bytes altered in place under the same CID (storage damaged, or a store that lies).
    const leaves: CID[] = []
    for await (const { cid } of blockstore.getAll()) if (cid.code === 0x55) leaves.push(cid)
    const leaf = leaves[1]
    if (leaf === undefined) throw new Error('no leaf')
    const bytes = (await Array.fromAsync(blockstore.get(leaf)))[0]?.slice() as Uint8Array
    bytes[100] = (bytes[100] as number) ^ 0xff
    await blockstore.put(leaf, bytes)
    const error = await refusal(attachmentFiles(historyOf(patientKeys), attachmentStoreOver(blockstore)).open(ref))
    expect(error.message).toMatch(/altered or is incomplete/)
  })

  it('detects a file that opens but is not the one the record names (hash)', async () => {
    const { blockstore, ref } = await stored()
    const error = await refusal(attachmentFiles(historyOf(patientKeys), attachmentStoreOver(blockstore)).open({ ...ref, sha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' }))
    expect(error.message).toMatch(/does not match the hash/)
  })
})
