// The encrypted backup file: every block of a patient's history log as one CAR v1 file
// (@ipld/car), rooted at the log's heads. It holds what the log's peers exchange, ciphertext and
// public blocks only: the entries (encrypted envelopes; key drops among them, their keys wrapped),
// the writers' identities, the log's manifest and its access controller's. Reading one back
// trusts nothing in it: every block is checked against its CID, sorted by what it is, and the
// manifest must name the patient whose history it is restored into; the entries then go through
// the log's own admission (PatientLog.importBlocks).
import { CarReader } from '@ipld/car/reader'
import { CarWriter } from '@ipld/car/writer'
import { base58btc } from 'multiformats/bases/base58'
import { errorMessage } from '../errors/index.ts'
import { decodeCanonical, hashOfBytes, parseHash } from './blocks.ts'
import { decodeLogEntry } from './logEntry.ts'
import { P2PError } from './p2pError.ts'
import { HISTORY_LOG_TYPE, historyLogName } from './patientLog.ts'
import { parseIdentityBlock, type WalletAddress } from './walletIdentity.ts'
import { WRITE_ACCESS_TYPE } from './writeAccess.ts'
import type { LogBlocks } from './patientLogApi.ts'
import type { CID } from 'multiformats/cid'

/** Where a backup is restored: the log this device opens for the patient, and the patient. */
export interface BackupTarget {
  /** The address this device's log of the patient's history has. */
  address: string
  patient: WalletAddress
}

const refuse = (message: string, cause?: unknown): P2PError =>
  new P2PError('BACKUP_INVALID', `${message} Nothing was imported.`, cause === undefined ? {} : { cause, details: errorMessage(cause) })

const cidOf = (hash: string): CID => {
  const cid = parseHash(hash)
  if (cid === undefined) throw new P2PError('INVALID_LOG', `${hash} is not the name of a history block`)
  return cid
}

/**
 * The CAR v1 file of a history log's blocks: roots are its heads, then the manifest, the access
 * controller's manifest, the identities and the entries (parents before children), each block
 * once, under the CID its bytes hash to.
 * @throws {P2PError} `INVALID_LOG` when a head is not a history block's name.
 */
export async function encodeBackupFile(blocks: LogBlocks): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(blocks.heads.map(cidOf))
  const chunks: Uint8Array[] = []
  const collected = (async () => {
    for await (const chunk of out) chunks.push(chunk)
  })()
  const seen = new Set<string>()
  for (const bytes of [blocks.manifest, blocks.accessController, ...blocks.identities, ...blocks.entries]) {
    const hash = hashOfBytes(bytes)
    if (seen.has(hash)) continue
    seen.add(hash)
    await writer.put({ cid: cidOf(hash), bytes })
  }
  await writer.close()
  await collected
  const file = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0))
  let at = 0
  for (const chunk of chunks) {
    file.set(chunk, at)
    at += chunk.length
  }
  return file
}

/** The fields of a history log's OrbitDB manifest that say whose it is. */
interface Manifest {
  name: string
  type: string
  accessController: string
}

const isManifest = (value: unknown): value is Manifest => {
  const v = value as Partial<Record<keyof Manifest, unknown>> | null
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.type === 'string' && typeof v.accessController === 'string'
}

/**
 * Reads a backup file and checks it before anything is imported: a CAR file (v1, or v2 wrapping
 * v1), every block's bytes hashing to its CID (dag-cbor, SHA-256), every block an entry, a wallet
 * identity, or the log's manifest or access controller's; one history manifest, naming `target`'s
 * patient and giving `target`'s address; every root one of its entries. What the entries are
 * worth (signatures, writers, links, write access) the log's admission decides.
 * @throws {P2PError} `BACKUP_INVALID` with the reason: not a CAR file or cut short, a block that
 *   does not match its CID or is not of a history, no manifest, another wallet's history.
 */
export async function readBackupFile(file: Uint8Array, target: BackupTarget): Promise<LogBlocks> {
  const reader = await CarReader.fromBytes(file).catch((error: unknown) => {
    throw refuse('This file is not an Anamnesis backup, or it is damaged (cut short or altered): it cannot be read as one.', error)
  })
  const manifests: { hash: string; bytes: Uint8Array; value: Manifest }[] = []
  const others = new Map<string, { bytes: Uint8Array; value: unknown }>()
  const identities: Uint8Array[] = []
  const entries: { hash: string; time: number; bytes: Uint8Array }[] = []
  try {
    for await (const { cid, bytes } of reader.blocks()) {
      const hash = cid.toString(base58btc)
      if (parseHash(hash) === undefined) throw refuse(`This backup is damaged or not an Anamnesis backup: it holds a block (${hash}) that no history holds.`)
      if (hashOfBytes(bytes) !== hash) throw refuse(`This backup is damaged: the content of block ${hash} does not match its hash, so the file was altered or corrupted.`)
      const entry = decodeLogEntry(bytes)
      if (typeof entry !== 'string') {
        entries.push({ hash, time: entry.clock.time, bytes })
        continue
      }
      if (typeof parseIdentityBlock(bytes) !== 'string') {
        identities.push(bytes)
        continue
      }
      let value: unknown
      try {
        value = decodeCanonical(bytes)
      } catch (error) {
        throw refuse(`This backup is damaged: block ${hash} is not a block of a history.`, error)
      }
      if (isManifest(value) && value.type === HISTORY_LOG_TYPE) manifests.push({ hash, bytes, value })
      else others.set(hash, { bytes, value })
    }
  } catch (error) {
    if (error instanceof P2PError) throw error
    throw refuse('This backup is damaged (cut short or altered): not every block in it can be read.', error)
  }
  const [manifest, ...more] = manifests
  if (manifest === undefined) throw refuse('This file is not an Anamnesis backup: it holds no history.')
  if (more.length > 0) throw refuse('This file is not an Anamnesis backup: it holds more than one history.')
  const owner = manifest.value.name.startsWith(`${HISTORY_LOG_TYPE}/`) ? manifest.value.name.slice(HISTORY_LOG_TYPE.length + 1) : manifest.value.name
  if (manifest.value.name !== historyLogName(target.patient)) {
    throw refuse(`This backup is of another wallet's history (${owner}), not of yours (${target.patient}): only that wallet can restore it.`)
  }
  const controllerHash = manifest.value.accessController.split('/').pop() ?? ''
  const controller = others.get(controllerHash)
  const controllerValue = controller?.value as { type?: unknown; owner?: unknown } | undefined
  if (controller === undefined || controllerValue?.type !== WRITE_ACCESS_TYPE || controllerValue.owner !== target.patient.toLowerCase()) {
    throw refuse('This backup is damaged or not an Anamnesis backup: the history\'s access controller, which names its patient, is missing from it or names another.')
  }
  others.delete(controllerHash)
  if (others.size > 0) throw refuse(`This backup holds blocks that are not part of a history (${[...others.keys()][0] ?? ''}).`)
  if (`/orbitdb/${manifest.hash}` !== target.address) {
    throw refuse('This backup names your wallet, but its history is not the one this app opens for you (another deployment or version of the app made it).')
  }
  const roots = (await reader.getRoots()).map((cid) => cid.toString(base58btc))
  const held = new Set(entries.map((entry) => entry.hash))
  if (roots.some((root) => !held.has(root))) throw refuse('This backup is incomplete: an entry its heads name is missing from it.')
  // Parents before children, as a peer sends them: an entry's clock is after its parents'.
  entries.sort((a, b) => a.time - b.time || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
  return {
    address: target.address,
    heads: roots,
    manifest: manifest.bytes,
    accessController: controller.bytes,
    identities,
    entries: entries.map((entry) => entry.bytes)
  }
}
