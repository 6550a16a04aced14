// The keeper's emergency cards on disk: one file per patient in <data>/emergency, written beside
// and renamed over the old one, so replacing a card leaves no copy of the old ciphertext in the
// data folder (a key-value store would keep it in its logs until a compaction). Each file is the
// card id, the ciphertext and the statement's time, as dag-cbor; nothing in it opens the summary.
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import type { EmergencyCardRecord, EmergencyCardStore } from '../../src/keeper/index.ts'
import type { WalletAddress } from '../../src/p2p/index.ts'

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
      let bytes: Uint8Array
      try {
        bytes = await readFile(fileOf(patient))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
      const { card, ciphertext, at } = dagCbor.decode<Partial<EmergencyCardRecord>>(bytes)
      if (!(card instanceof Uint8Array) || !(ciphertext instanceof Uint8Array) || typeof at !== 'number') throw new Error(`${fileOf(patient)} is not an emergency card`)
      return { card, ciphertext, at }
    },
    put: async (patient, record) => {
      const file = fileOf(patient)
      const temporary = `${file}.new`
      const handle = await open(temporary, 'w', 0o600)
      try {
        await handle.writeFile(dagCbor.encode({ card: record.card, ciphertext: record.ciphertext, at: record.at }))
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temporary, file)
    },
    delete: async (patient) => {
      const file = fileOf(patient)
      try {
        await rm(file)
        return true
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
        throw error
      }
    }
  }
}
