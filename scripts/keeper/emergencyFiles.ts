// The keeper's emergency cards on disk: one file per patient in <data>/emergency, written beside
// and renamed over the old one, so replacing a card leaves no copy of the old ciphertext in the
// data folder (a key-value store would keep it in its logs until a compaction). Each file is the
// card id, the ciphertext and the statement's time, as dag-cbor; nothing in it opens the summary.
// The keys guardians leave for doctors the same way, in <data>/emergency-keys/<patient>/<doctor>.keys:
// keys wrapped for the doctor, the guardian and the statement's time.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import type { EmergencyCardRecord, EmergencyCardStore, HandedKeysRecord, HandedKeysStore } from '../../src/keeper/index.ts'
import type { WalletAddress } from '../../src/p2p/index.ts'
import { replaceFile } from './replaceFile.ts'

const ADDRESS = /^0x[0-9a-f]{40}$/

/** The card store in `dataDir`/emergency (made with mode 0700 if missing). */
export async function emergencyCardFiles(dataDir: string): Promise<EmergencyCardStore> {
  const folder = path.join(dataDir, 'emergency')
  await mkdir(folder, { recursive: true, mode: 0o700 })
  const fileOf = (patient: WalletAddress): string => {
    // The name comes from a checked statement; checked again, as a path it must not escape the folder.
    if (!ADDRESS.test(patient)) throw new Error(`not a patient address: ${patient}`)
    return path.join(folder, `${patient}.card`)
  }
  return {
    get: async (patient) => {
      const bytes = await readIfThere(fileOf(patient))
      if (bytes === undefined) return undefined
      const { card, ciphertext, at } = dagCbor.decode<Partial<EmergencyCardRecord>>(bytes)
      if (!(card instanceof Uint8Array) || !(ciphertext instanceof Uint8Array) || typeof at !== 'number') throw new Error(`${fileOf(patient)} is not an emergency card`)
      return { card, ciphertext, at }
    },
    put: async (patient, record) => {
      await replaceFile(fileOf(patient), dagCbor.encode({ card: record.card, ciphertext: record.ciphertext, at: record.at }))
    },
    delete: (patient) => removeIfThere(fileOf(patient))
  }
}

/** The handed-keys store in `dataDir`/emergency-keys (made with mode 0700 if missing). */
export async function handedKeyFiles(dataDir: string): Promise<HandedKeysStore> {
  const folder = path.join(dataDir, 'emergency-keys')
  await mkdir(folder, { recursive: true, mode: 0o700 })
  const folderOf = (patient: WalletAddress): string => {
    if (!ADDRESS.test(patient)) throw new Error(`not a patient address: ${patient}`)
    return path.join(folder, patient)
  }
  const fileOf = (patient: WalletAddress, doctor: WalletAddress): string => {
    if (!ADDRESS.test(doctor)) throw new Error(`not a doctor address: ${doctor}`)
    return path.join(folderOf(patient), `${doctor}.keys`)
  }
  return {
    get: async (patient, doctor) => {
      const bytes = await readIfThere(fileOf(patient, doctor))
      if (bytes === undefined) return undefined
      const { keys, guardian, at } = dagCbor.decode<Partial<HandedKeysRecord>>(bytes)
      if (!(keys instanceof Uint8Array) || typeof guardian !== 'string' || typeof at !== 'number') throw new Error(`${fileOf(patient, doctor)} is not a set of handed keys`)
      return { keys, guardian, at }
    },
    put: async (patient, doctor, record) => {
      await mkdir(folderOf(patient), { recursive: true, mode: 0o700 })
      await replaceFile(fileOf(patient, doctor), dagCbor.encode({ keys: record.keys, guardian: record.guardian, at: record.at }))
    },
    doctors: async (patient) => {
      let names: string[]
      try {
        names = await readdir(folderOf(patient))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw error
      }
      return names.filter((name) => name.endsWith('.keys')).map((name) => name.slice(0, -'.keys'.length) as WalletAddress).filter((doctor) => ADDRESS.test(doctor))
    },
    delete: async (patient, doctor) => {
      if (doctor !== undefined) return await removeIfThere(fileOf(patient, doctor))
      const had = (await readdir(folderOf(patient)).catch(() => [])).length > 0
      await rm(folderOf(patient), { recursive: true, force: true })
      return had
    }
  }
}

async function readIfThere(file: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

async function removeIfThere(file: string): Promise<boolean> {
  try {
    await rm(file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}
