// The file exchange between real nodes: a doctor the patient's history admits reads an attached
// file from the patient's node over /anamnesis/file/1.0.0, block by block checked against its CID,
// keeps it, and from then on serves it to the patient's other device; nothing serves blocks by CID
// alone (no bitswap on any node).
import { createHash, randomBytes } from 'node:crypto'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { attachmentStoreOn, FILE_PROTOCOL, fileIndexOver } from '../../src/p2p/index.ts'
import { connect, memoryDevice, person, waitFor, type Person } from './historyFixtures.ts'

let patient: Person
let doctor: Person
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  patient = await person('Patient')
  doctor = await person('Doctor')
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

/** A sealed file as the crypto domain makes it: 256 KiB chunks and a tail (the bytes need not open here). */
function sealedChunks(chunks: number): Uint8Array[] {
  return Array.from({ length: chunks }, (_, i) => new Uint8Array(randomBytes(i === chunks - 1 ? 1000 : 256 * 1024 + 16)))
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** The SHA-256 of what a read gives, in hex: ten megabytes compared byte by byte would take the test seconds. */
async function readAll(source: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256')
  for await (const part of source) hash.update(part)
  return hash.digest('hex')
}

const digestOf = (parts: Uint8Array[]): string => createHash('sha256').update(concat(parts)).digest('hex')

describe('the file exchange', () => {
  it('gives a doctor the history admits a 10 MB file from the patient\'s node, which the doctor then holds and serves to the patient\'s other device', async () => {
    const isDoctor = (wallet: string): Promise<boolean> => Promise.resolve(wallet.toLowerCase() === doctor.address)
    const patientDevice = await memoryDevice(patient, cleanups, { canSync: isDoctor })
    const log = await patientDevice.orbit.openLog(patient.address)
    const chunks = sealedChunks(40)
    const cid = await attachmentStoreOn(patientDevice.node, log.address).put(chunks)
    expect(await fileIndexOver(patientDevice.node.datastore).holds(log.address, cid)).toBe(true)

    const doctorDevice = await memoryDevice(doctor, cleanups, { canSync: (wallet) => Promise.resolve(wallet.toLowerCase() === patient.address) })
    const doctorLog = await doctorDevice.orbit.openLog(patient.address)
    await connect(doctorDevice.node, patientDevice.node)
    await waitFor('the doctor to sync the history', () => doctorLog.heads().join() === log.heads().join())
    expect(await readAll(attachmentStoreOn(doctorDevice.node, doctorLog.address).read(cid))).toBe(digestOf(chunks))
    // Kept and recorded under the history: read again with nobody connected, and served onwards.
    expect(await fileIndexOver(doctorDevice.node.datastore).holds(doctorLog.address, cid)).toBe(true)
    await patientDevice.node.stop()
    expect(await readAll(attachmentStoreOn(doctorDevice.node, doctorLog.address).read(cid))).toBe(digestOf(chunks))

    const secondDevice = await memoryDevice(patient, cleanups, { canSync: isDoctor })
    const secondLog = await secondDevice.orbit.openLog(patient.address)
    await connect(secondDevice.node, doctorDevice.node)
    expect(await readAll(attachmentStoreOn(secondDevice.node, secondLog.address).read(cid))).toBe(digestOf(chunks))
  })

  it('is the only way to a block: no node speaks bitswap', async () => {
    const device = await memoryDevice(patient, cleanups)
    expect(device.node.libp2p.getProtocols()).toContain(FILE_PROTOCOL)
    expect(device.node.libp2p.getProtocols().filter((protocol) => protocol.includes('bitswap'))).toEqual([])
  })

  it('tells a reader with nobody to ask that the file is not found', async () => {
    const device = await memoryDevice(doctor, cleanups)
    const log = await device.orbit.openLog(patient.address)
    const other = await memoryDevice(patient, cleanups)
    const otherLog = await other.orbit.openLog(patient.address)
    const cid = await attachmentStoreOn(other.node, otherLog.address).put(sealedChunks(2))
    await expect(readAll(attachmentStoreOn(device.node, log.address).read(cid))).rejects.toMatchObject({ code: 'ATTACHMENT_NOT_FOUND' })
  })
})
