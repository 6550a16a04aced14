// A history log's blocks taken out whole (for a backup file) and put back. Entries that come from
// a file rather than a peer join the log through the very receiver a pull uses (logReceiver.ts),
// so they pass the same checks; what differs is that a file is taken whole or not at all: the
// receiver first runs against a staging view of the log, and only when it refused nothing are
// the staged entries committed, in one commit.
import { base58btc } from 'multiformats/bases/base58'
import { decodeCanonical, hashOfBytes, parseHash, readBlock, type BlockReader } from './blocks.ts'
import { createReceiver } from './logReceiver.ts'
import { P2PError } from './p2pError.ts'
import { parseIdentityBlock, type VerifiedIdentity } from './walletIdentity.ts'
import type { AdmissionRules, Refusal } from './entryAdmission.ts'
import type { IdentityBlock, LogStore } from './logStore.ts'
import type { ImportResult, LogBlocks, StoredEntry } from './patientLogApi.ts'

/**
 * Every block a fresh device needs to open and check the log at `address` (LogBlocks): its
 * entries (damaged ones left out), their writers' identities, the log's manifest and its access
 * controller's, read from `blockstore` where opening the log put them. Runs as one change of the log.
 * @throws {P2PError} `INVALID_LOG` when a manifest is missing from the blockstore; `LOG_CLOSED` once the log is closed.
 */
export function exportLogBlocks(store: LogStore, blockstore: BlockReader, address: string): Promise<LogBlocks> {
  const stored = async (hash: string): Promise<Uint8Array> => {
    const cid = parseHash(hash)
    const bytes = cid === undefined ? undefined : await readBlock(blockstore, cid, { offline: true })
    if (bytes === undefined) throw new P2PError('INVALID_LOG', `The history's block ${hash} is missing from this device's storage`)
    return bytes
  }
  const lastPart = (path: unknown): string => (typeof path === 'string' ? (path.split('/').pop() ?? '') : '')
  return store.serial(async () => {
    store.ensureOpen()
    const manifest = await stored(lastPart(address))
    const accessController = await stored(lastPart((decodeCanonical(manifest) as { accessController?: unknown }).accessController))
    const entries = store.entries()
    const identities: Uint8Array[] = []
    for (const hash of new Set(entries.map((entry) => entry.identity))) {
      await store.identityOf(hash)
      const bytes = store.identityBlock(hash)
      if (bytes !== undefined) identities.push(bytes)
    }
    return { address, heads: store.heads().filter((hash) => store.has(hash)), manifest, accessController, identities, entries: entries.map((entry) => entry.bytes) }
  })
}

/** How many entries go to the receiver at once: its signature checks run per frame. */
const FRAME_ENTRIES = 512
/** How many refusals the error's details list; the count says how many there were. */
const LISTED_REFUSALS = 20

/** What an import needs of an open log. */
export interface ImportingLog {
  store: LogStore
  rules: AdmissionRules
  /** Stores admitted entries with the identity blocks they need, and tells listeners and other tabs. */
  commit(added: StoredEntry[], identities: IdentityBlock[]): Promise<void>
}

/**
 * Checks every entry of `blocks` as a pull would (createReceiver) and stores them all in one
 * commit, or none when any was refused. Runs as one change of the log (store.serial): nothing
 * joins the log between the checks and the commit.
 * @param source - Names the file in the refusal, e.g. "This backup".
 * @throws {P2PError} `ENTRIES_REFUSED` when an entry was refused, or the file broke a limit a
 *   peer is held to (too many writers, too many entries waiting for parents); `LOG_CLOSED` once
 *   the log is closed; the commit's errors (`STORAGE_FULL`).
 */
export function importLogBlocks(log: ImportingLog, blocks: Pick<LogBlocks, 'identities' | 'entries'>, source = 'This backup'): Promise<ImportResult> {
  const { store, rules } = log
  return store.serial(async () => {
    store.ensureOpen()
    const offered = new Set(blocks.entries.map(hashOfBytes))
    const held = [...offered].filter((hash) => store.has(hash)).length

    // The staging view: what the receiver admitted is visible to it as if stored (parents,
    // clocks), and identities it learns stay here until the commit, not in the log's memory.
    const staged = new Map<string, StoredEntry>()
    const stagedIdentities = new Map<string, IdentityBlock>()
    const learnt = new Map<string, { verified: VerifiedIdentity; bytes: Uint8Array }>()
    const refused: Refusal[] = []
    const view: LogStore = {
      ...store,
      has: (hash) => store.has(hash) || staged.has(hash),
      get: (hash) => store.get(hash) ?? staged.get(hash),
      identityBlock: (hash) => learnt.get(hash)?.bytes ?? store.identityBlock(hash),
      learnIdentity: (bytes) => {
        const verified = parseIdentityBlock(bytes)
        if (typeof verified === 'string' || learnt.has(verified.hash) || store.identityBlock(verified.hash) !== undefined) return undefined
        const cid = parseHash(verified.hash)
        if (cid === undefined) return undefined
        learnt.set(verified.hash, { verified, bytes })
        return { cid, bytes }
      },
      // Already inside the log's serial queue: the receiver's own steps run at once.
      serial: (work) => work(),
      ensureOpen: () => store.ensureOpen()
    }
    const receiver = createReceiver(
      {
        store: view,
        rules: { ...rules, identityOf: async (hash) => learnt.get(hash)?.verified ?? (await rules.identityOf(hash)) },
        commit: (added, identities) => {
          for (const entry of added) staged.set(entry.hash, entry)
          for (const identity of identities) stagedIdentities.set(identity.cid.toString(base58btc), identity)
          return Promise.resolve()
        },
        emit: (event) => {
          if (event.type === 'rejected') refused.push(...event.entries)
        }
      },
      source
    )
    try {
      for (let i = 0; i < Math.max(1, blocks.entries.length); i += FRAME_ENTRIES) {
        await receiver.receive({ identities: i === 0 ? blocks.identities : [], entries: blocks.entries.slice(i, i + FRAME_ENTRIES) })
      }
      await receiver.finish([])
    } catch (error) {
      if (error instanceof P2PError && error.code === 'PEER_MISBEHAVED') {
        throw new P2PError('ENTRIES_REFUSED', `${error.message}: more than any history holds. Nothing was imported.`, { cause: error })
      }
      throw error
    }
    if (refused.length > 0) {
      const first = refused[0]
      const count = refused.length === 1 ? 'one entry' : `${refused.length} entries`
      throw new P2PError('ENTRIES_REFUSED', `${source} holds ${count} that failed the checks every entry of your history passes (${first?.reason ?? 'refused'}). Nothing was imported.`, {
        details: refused
          .slice(0, LISTED_REFUSALS)
          .map(({ hash, reason }) => `${hash}: ${reason}`)
          .join('\n')
      })
    }
    const added = [...staged.values()]
    if (added.length > 0) {
      await log.commit(added, [...stagedIdentities.values()])
      // The log serves what it holds: the new writers' identity blocks go with their entries from now on.
      await Promise.all([...stagedIdentities.values()].map((identity) => store.identityOf(identity.cid.toString(base58btc))))
    }
    return { added: added.length, held }
  })
}
