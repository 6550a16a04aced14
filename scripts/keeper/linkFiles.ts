// The keeper's SMART Health Links on disk: <data>/links/<patient>/<id>.link holds what the keeper
// knows of a link (dag-cbor: times, the passcode's salted hash, failures, openings), and <id>.jwe its
// encrypted file while it is live. Each is written beside and renamed over, so a stopped link's
// file leaves the folder whole; nothing here opens a file: its key is in the link only.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import type { LinkRecord, LinkStore } from '../../src/keeper/index.ts'
import type { WalletAddress } from '../../src/p2p/index.ts'
import { replaceFile } from './replaceFile.ts'

const ADDRESS = /^0x[0-9a-f]{40}$/
const LINK_ID = /^[A-Za-z0-9_-]{43}$/

/** The link store in `dataDir`/links (made with mode 0700 if missing). */
export async function linkFiles(dataDir: string): Promise<LinkStore> {
  const folder = path.join(dataDir, 'links')
  await mkdir(folder, { recursive: true, mode: 0o700 })
  // Names come from checked statements; checked again, as paths they must not escape the folder.
  const folderOf = (patient: WalletAddress): string => {
    if (!ADDRESS.test(patient)) throw new Error(`not a patient address: ${patient}`)
    return path.join(folder, patient)
  }
  const fileOf = (record: Pick<LinkRecord, 'patient' | 'id'>, extension: '.link' | '.jwe'): string => {
    if (!LINK_ID.test(record.id)) throw new Error(`not a link id: ${record.id}`)
    return path.join(folderOf(record.patient), `${record.id}${extension}`)
  }
  return {
    all: async () => {
      const records: LinkRecord[] = []
      for (const patient of await readdir(folder)) {
        if (!ADDRESS.test(patient)) continue
        for (const name of await readdir(path.join(folder, patient))) {
          if (!name.endsWith('.link')) continue
          records.push(decodeRecord(await readFile(path.join(folder, patient, name)), patient as WalletAddress))
        }
      }
      return records
    },
    put: async (record, file) => {
      await mkdir(folderOf(record.patient), { recursive: true, mode: 0o700 })
      if (file !== undefined) await replaceFile(fileOf(record, '.jwe'), file)
      await replaceFile(fileOf(record, '.link'), encodeRecord(record))
    },
    file: async (record) => {
      try {
        return await readFile(fileOf(record, '.jwe'))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
    },
    dropFile: async (record) => {
      await rm(fileOf(record, '.jwe'), { force: true })
    },
    delete: async (record) => {
      await rm(fileOf(record, '.jwe'), { force: true })
      await rm(fileOf(record, '.link'), { force: true })
    }
  }
}

function encodeRecord(record: LinkRecord): Uint8Array {
  return dagCbor.encode({
    id: record.id,
    created: record.created,
    expires: record.expires,
    failures: record.failures,
    openings: record.openings.map(({ recipient, at }) => ({ recipient, at })),
    ...(record.passcode === undefined ? {} : { passcode: { salt: record.passcode.salt, hash: record.passcode.hash } }),
    ...(record.deactivatedAt === undefined ? {} : { deactivatedAt: record.deactivatedAt }),
    ...(record.lockedAt === undefined ? {} : { lockedAt: record.lockedAt })
  })
}

function decodeRecord(bytes: Uint8Array, patient: WalletAddress): LinkRecord {
  const value = dagCbor.decode<Partial<LinkRecord>>(bytes)
  const { id, created, expires, failures, openings, passcode, deactivatedAt, lockedAt } = value
  if (typeof id !== 'string' || !LINK_ID.test(id) || typeof created !== 'number' || typeof expires !== 'number' || typeof failures !== 'number' || !Array.isArray(openings)) throw new Error(`a link record of ${patient} is damaged`)
  return {
    patient,
    id,
    created,
    expires,
    failures,
    openings,
    ...(passcode instanceof Object && passcode.salt instanceof Uint8Array && passcode.hash instanceof Uint8Array ? { passcode: { salt: passcode.salt, hash: passcode.hash } } : {}),
    ...(typeof deactivatedAt === 'number' ? { deactivatedAt } : {}),
    ...(typeof lockedAt === 'number' ? { lockedAt } : {})
  }
}
