// A patient's history log as a device holds it, in memory and without a network: the log's own
// store (logStore.ts) over memory stores, the manifests OrbitDB's open would write, entries made
// and signed as the log writes them, and the log's export and import of its blocks. For the unit
// tests of backups, which need real blocks but no OrbitDB or libp2p.
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { encodeBlock, parseHash } from '../../src/p2p/blocks.ts'
import { exportLogBlocks, importLogBlocks } from '../../src/p2p/logBlocks.ts'
import { createLogEntry } from '../../src/p2p/logEntry.ts'
import { openLogStore, type LogStore } from '../../src/p2p/logStore.ts'
import { HISTORY_LOG_TYPE, historyLogName } from '../../src/p2p/patientLog.ts'
import { WRITE_ACCESS_TYPE } from '../../src/p2p/writeAccess.ts'
import type { AdmissionRules } from '../../src/p2p/entryAdmission.ts'
import type { ImportResult, LogBlocks, StoredEntry } from '../../src/p2p/patientLogApi.ts'
import type { WalletAddress, WalletIdentity } from '../../src/p2p/walletIdentity.ts'

/** One device's copy of a patient's history log. */
export interface MemoryHistoryLog {
  address: string
  patient: WalletAddress
  store: LogStore
  blockstore: MemoryBlockstore
  datastore: MemoryDatastore
  /** Appends one entry per payload, signed by `writer` (default: the device's identity), chained after the heads. */
  write(payloads: readonly Uint8Array[], writer?: WalletIdentity): Promise<StoredEntry[]>
  exportBlocks(): Promise<LogBlocks>
  importBlocks(blocks: Pick<LogBlocks, 'identities' | 'entries'>): Promise<ImportResult>
  /** The entries a fresh open of the same stores lists, in log order: what storage holds. */
  storedHashes(): Promise<string[]>
  /** The log's store opened afresh over the same stores and loaded, as after a reload. */
  reopen(): Promise<LogStore>
}

/**
 * The address OrbitDB gives `patient`'s history log, and the manifests it stores: the access
 * controller's { type, owner }, and the log's { name, type, accessController }.
 */
export function historyManifests(patient: string): { address: string; manifest: ReturnType<typeof encodeBlock>; accessController: ReturnType<typeof encodeBlock> } {
  const accessController = encodeBlock({ type: WRITE_ACCESS_TYPE, owner: patient.toLowerCase() })
  const manifest = encodeBlock({ name: historyLogName(patient), type: HISTORY_LOG_TYPE, accessController: `/${WRITE_ACCESS_TYPE}/${accessController.hash}` })
  return { address: `/orbitdb/${manifest.hash}`, manifest, accessController }
}

/**
 * `device`'s copy of `patient`'s history (both wallet identities; the device writes as itself).
 * @param mayWrite - Which writers other than the patient hold a live write grant now.
 */
export async function memoryHistoryLog(patient: WalletAddress, device: WalletIdentity, mayWrite: (writer: WalletAddress) => boolean = () => false): Promise<MemoryHistoryLog> {
  const { address, manifest, accessController } = historyManifests(patient)
  const blockstore = new MemoryBlockstore()
  const datastore = new MemoryDatastore()
  await blockstore.put(manifest.cid, manifest.bytes)
  await blockstore.put(accessController.cid, accessController.bytes)
  const store = openLogStore({ blockstore, datastore }, address, device)
  await store.reload(false)
  // No key registry answers here: no entry is refused for keys its writer replaced.
  const rules: AdmissionRules = {
    address,
    patient,
    identityOf: (hash) => store.identityOf(hash),
    mayWrite: (writer) => Promise.resolve(mayWrite(writer)),
    keyVersionOf: () => Promise.resolve(undefined)
  }

  const reopen = async (): Promise<LogStore> => {
    const again = openLogStore({ blockstore, datastore }, address, device)
    await again.reload(false)
    return again
  }

  return {
    address,
    patient,
    store,
    blockstore,
    datastore,
    write: (payloads, writer = device) =>
      store.serial(async () => {
        let next = store.heads().sort()
        let time = Math.max(0, ...next.map((hash) => store.get(hash)?.clock.time ?? 0))
        const created: StoredEntry[] = []
        for (const payload of payloads) {
          const entry = await createLogEntry({ identity: writer, logId: address, payload, next, time: ++time })
          created.push({ ...entry, writer: writer.verified.address, writerKeyVersion: writer.verified.keyVersion })
          next = [entry.hash]
        }
        const cid = parseHash(writer.hash)
        await store.commit(created, cid === undefined ? [] : [{ cid, bytes: writer.bytes }])
        return created
      }),
    exportBlocks: () => exportLogBlocks(store, blockstore, address),
    importBlocks: (blocks) => importLogBlocks({ store, rules, commit: (added, identities) => store.commit(added, identities) }, blocks),
    storedHashes: async () => (await reopen()).entries().map((entry) => entry.hash),
    reopen
  }
}
