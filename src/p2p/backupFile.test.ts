// The backup file: a history's blocks written as a CAR file and read back on another device of
// the same wallet, through the log's admission; and every kind of bad file refused with its
// reason, the device's stores holding afterwards exactly what they held before.
import { CarReader } from '@ipld/car/reader'
import { CarWriter } from '@ipld/car/writer'
import { base58btc } from 'multiformats/bases/base58'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { memoryHistoryLog, type MemoryHistoryLog } from '../../test/support/memoryHistoryLog.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../../test/support/walletSignatures.ts'
import { encodeBackupFile, readBackupFile } from './backupFile.ts'
import { decodeCanonical, encodeBlock, parseHash } from './blocks.ts'
import { P2PError } from './p2pError.ts'
import { useIdentityDomain, type WalletIdentity } from './walletIdentity.ts'

// anvil's development accounts 0 and 1: public test keys.
const patientAccount = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const doctorAccount = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')

let patient: WalletIdentity
let doctor: WalletIdentity
let stranger: WalletIdentity
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

beforeAll(async () => {
  useIdentityDomain(TEST_DOMAIN)
  ;({ identity: patient } = await walletIdentityOf(patientAccount))
  ;({ identity: doctor } = await walletIdentityOf(doctorAccount))
  ;({ identity: stranger } = await walletIdentityOf(privateKeyToAccount(generatePrivateKey())))
})

/** The patient's laptop: two entries of theirs, a doctor's follow-up (written under a live grant), one more of theirs. */
async function laptop(): Promise<MemoryHistoryLog> {
  const log = await memoryHistoryLog(patient.verified.address, patient, (writer) => writer === doctor.verified.address)
  await log.write([bytes('envelope 1'), bytes('envelope 2')])
  await log.write([bytes('follow-up')], doctor)
  await log.write([bytes('envelope 3')])
  return log
}

/** A fresh device of the patient's, where no doctor holds a grant any more. */
const freshDevice = (): Promise<MemoryHistoryLog> => memoryHistoryLog(patient.verified.address, patient)

/** Everything a device's stores hold: every block and every datastore key with its value. */
async function storesOf(log: MemoryHistoryLog): Promise<{ blocks: string[]; data: string[] }> {
  const blocks: string[] = []
  for await (const { cid } of log.blockstore.getAll()) blocks.push(cid.toString(base58btc))
  const data: string[] = []
  for await (const { key, value } of log.datastore.query({})) data.push(`${key.toString()}=${new TextDecoder().decode(value)}`)
  return { blocks: blocks.sort(), data: data.sort() }
}

async function refusal(work: Promise<unknown>): Promise<P2PError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(P2PError)
  return error as P2PError
}

/** Restores `file` into `device` and expects it refused with `code` and a message matching `reason`, the stores unchanged. */
async function expectRefused(device: MemoryHistoryLog, file: Uint8Array, code: string, reason: RegExp): Promise<void> {
  const before = await storesOf(device)
  const error = await refusal(readBackupFile(file, device).then((blocks) => device.importBlocks(blocks)))
  expect(error.code).toBe(code)
  expect(error.message).toMatch(reason)
  expect(error.message).toMatch(/Nothing was imported\.$/)
  expect(await storesOf(device)).toEqual(before)
}

/** `file` with the byte at `at` flipped. */
function flipped(file: Uint8Array, at: number): Uint8Array {
  const copy = file.slice()
  copy[at] = (copy[at] ?? 0) ^ 0x01
  return copy
}

/** Where `part` starts in `file`. */
function offsetOf(file: Uint8Array, part: Uint8Array): number {
  outer: for (let i = 0; i + part.length <= file.length; i++) {
    for (let j = 0; j < part.length; j++) if (file[i + j] !== part[j]) continue outer
    return i
  }
  throw new Error('not found')
}

/** A CAR file of these blocks, under these CIDs, rooted at `roots`. */
async function carOf(roots: string[], blocks: { hash: string; bytes: Uint8Array }[]): Promise<Uint8Array> {
  const cid = (hash: string) => parseHash(hash) ?? (() => { throw new Error(hash) })()
  const { writer, out } = CarWriter.create(roots.map(cid))
  const chunks: Uint8Array[] = []
  const collected = (async () => {
    for await (const chunk of out) chunks.push(chunk)
  })()
  for (const block of blocks) await writer.put({ cid: cid(block.hash), bytes: block.bytes })
  await writer.close()
  await collected
  return Uint8Array.from(chunks.flatMap((chunk) => [...chunk]))
}

describe('a backup file', () => {
  it('holds every block of the history once, rooted at its heads, and restores it whole on a fresh device', async () => {
    const source = await laptop()
    const file = await encodeBackupFile(await source.exportBlocks())

    const car = await CarReader.fromBytes(file)
    expect((await car.getRoots()).map((cid) => cid.toString(base58btc))).toEqual(source.store.heads())
    const held: string[] = []
    for await (const { cid } of car.blocks()) held.push(cid.toString(base58btc))
    // The manifest, the access controller's, the patient's and the doctor's identities, four entries.
    expect(held).toHaveLength(8)
    expect(new Set(held).size).toBe(8)
    expect(held).toEqual(expect.arrayContaining([...source.store.entries().map((entry) => entry.hash), source.address.split('/').pop(), patient.hash, doctor.hash]))

    const phone = await freshDevice()
    const blocks = await readBackupFile(file, phone)
    expect(await phone.importBlocks(blocks)).toEqual({ added: 4, held: 0 })
    expect(await phone.storedHashes()).toEqual(await source.storedHashes())
    expect(phone.store.heads()).toEqual(source.store.heads())
    // The doctor's entry came with the doctor's identity, stored: a fresh open finds nothing damaged.
    const reopened = await phone.reopen()
    expect(reopened.damaged()).toEqual([])
    expect(reopened.entries().map((entry) => entry.writer)).toContain(doctor.verified.address)
  })

  it('restored twice, or older than what the device holds, adds nothing and loses nothing', async () => {
    const source = await laptop()
    const older = await encodeBackupFile(await source.exportBlocks())
    await source.write([bytes('envelope 4')])
    const newer = await encodeBackupFile(await source.exportBlocks())

    const phone = await freshDevice()
    expect(await phone.importBlocks(await readBackupFile(newer, phone))).toEqual({ added: 5, held: 0 })
    const stored = await storesOf(phone)
    expect(await phone.importBlocks(await readBackupFile(newer, phone))).toEqual({ added: 0, held: 5 })
    expect(await phone.importBlocks(await readBackupFile(older, phone))).toEqual({ added: 0, held: 4 })
    expect(await storesOf(phone)).toEqual(stored)
    expect(await phone.storedHashes()).toEqual(await source.storedHashes())
  })

  it('merges with what the device wrote since: both lines of the history stay', async () => {
    const source = await laptop()
    const file = await encodeBackupFile(await source.exportBlocks())
    const phone = await freshDevice()
    const [own] = await phone.write([bytes('written on the phone')])
    expect(await phone.importBlocks(await readBackupFile(file, phone))).toEqual({ added: 4, held: 0 })
    expect(phone.store.heads().sort()).toEqual([own?.hash, ...source.store.heads()].sort())
    expect(await phone.storedHashes()).toHaveLength(5)
  })
})

describe('a backup file that is refused, with nothing imported', () => {
  it('is not a CAR file at all', async () => {
    const phone = await freshDevice()
    await expectRefused(phone, bytes('%PDF-1.7 a letter from the clinic'), 'BACKUP_INVALID', /not an Anamnesis backup, or it is damaged/)
    await expectRefused(phone, new Uint8Array(0), 'BACKUP_INVALID', /not an Anamnesis backup, or it is damaged/)
  })

  it('was cut short', async () => {
    const file = await encodeBackupFile(await (await laptop()).exportBlocks())
    const phone = await freshDevice()
    await expectRefused(phone, file.slice(0, file.length - 40), 'BACKUP_INVALID', /damaged \(cut short or altered\)/)
  })

  it('has a bit flipped inside an entry: the block no longer matches its hash', async () => {
    const source = await laptop()
    const file = await encodeBackupFile(await source.exportBlocks())
    const entry = source.store.entries()[1]
    if (entry === undefined) throw new Error('no entry')
    const at = offsetOf(file, entry.bytes) + Math.floor(entry.bytes.length / 2)
    const phone = await freshDevice()
    await expectRefused(phone, flipped(file, at), 'BACKUP_INVALID', new RegExp(`the content of block ${entry.hash} does not match its hash`))
  })

  it('puts a block under another block\'s hash', async () => {
    const source = await laptop()
    const blocks = await source.exportBlocks()
    const [first, second] = source.store.entries()
    if (first === undefined || second === undefined) throw new Error('no entries')
    const manifest = { hash: source.address.split('/').pop() ?? '', bytes: blocks.manifest }
    const file = await carOf(blocks.heads, [manifest, { hash: first.hash, bytes: second.bytes }])
    const phone = await freshDevice()
    await expectRefused(phone, file, 'BACKUP_INVALID', new RegExp(`block ${first.hash} does not match its hash`))
  })

  it('is another wallet\'s history, whole and sound', async () => {
    const theirs = await memoryHistoryLog(stranger.verified.address, stranger)
    await theirs.write([bytes('their envelope')])
    const file = await encodeBackupFile(await theirs.exportBlocks())
    const phone = await freshDevice()
    await expectRefused(phone, file, 'BACKUP_INVALID', new RegExp(`another wallet's history \\(${stranger.verified.address}\\), not of yours \\(${patient.verified.address}\\)`))
  })

  it('names this patient in its manifest, but its access controller names another', async () => {
    const source = await laptop()
    const blocks = await source.exportBlocks()
    const forgedController = encodeBlock({ type: 'anamnesis-write', owner: stranger.verified.address })
    const manifest = decodeCanonical(blocks.manifest) as Record<string, unknown>
    const forgedManifest = encodeBlock({ ...manifest, accessController: `/anamnesis-write/${forgedController.hash}` })
    const file = await carOf(blocks.heads, [forgedManifest, forgedController, ...source.store.entries()])
    const phone = await freshDevice()
    await expectRefused(phone, file, 'BACKUP_INVALID', /access controller, which names its patient, is missing from it or names another/)
  })

  it('holds a forged entry: content changed and the block renamed to match, the signature left as it was', async () => {
    const source = await laptop()
    const blocks = await source.exportBlocks()
    const entries = source.store.entries()
    const target = entries[0]
    if (target === undefined) throw new Error('no entry')
    const fields = decodeCanonical(target.bytes) as Record<string, unknown>
    const forged = encodeBlock({ ...fields, payload: bytes('envelope 1, rewritten') })
    const file = await encodeBackupFile({ ...blocks, heads: [forged.hash], entries: [forged.bytes, ...entries.slice(1).map((entry) => entry.bytes)] })
    const phone = await freshDevice()
    // The forged entry fails its signature; the three that follow the real one wait for a parent the file lacks.
    await expectRefused(phone, file, 'ENTRIES_REFUSED', /holds 4 entries that failed the checks every entry of your history passes \(its signature does not verify\)/)
    const error = await refusal(readBackupFile(file, phone).then((read) => phone.importBlocks(read)))
    expect(error.details?.split('\n')).toEqual([`${forged.hash}: its signature does not verify`, ...entries.slice(1).map((entry) => `${entry.hash}: it builds on an entry that was refused or never came`)])
  })

  it('holds an entry of a writer who has no grant, and that the patient never built on', async () => {
    const source = await memoryHistoryLog(patient.verified.address, patient, () => true)
    await source.write([bytes('envelope 1')])
    await source.write([bytes('not allowed')], stranger)
    const file = await encodeBackupFile(await source.exportBlocks())
    const phone = await freshDevice()
    await expectRefused(phone, file, 'ENTRIES_REFUSED', new RegExp(`${stranger.verified.address} has no live grant to write to this history`))
  })

  it('was made by another deployment of the app, whose log of this wallet has another address', async () => {
    const source = await laptop()
    const phone = await freshDevice()
    const error = await refusal(readBackupFile(await encodeBackupFile(await source.exportBlocks()), { address: '/orbitdb/zdpuAqVQShn9Va4a6JkKDMkSuDDHD2SKp7DgH4ANuPLTAs1YH', patient: phone.patient }))
    expect(error.message).toMatch(/not the one this app opens for you/)
  })
})
