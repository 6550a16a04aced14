// Which attached files this node holds for which history: a file is served only to a peer
// authenticated for the history it was recorded under, so the same CID recorded for another
// history, or a block that is no file's root, is never served by it. Kept in the node's datastore:
//   /anamnesis/files/<log manifest hash>/<file CID, base32>   {"bytes":n}   the sealed file's size
import { Key, type Datastore } from 'interface-datastore'
import { CID } from 'multiformats/cid'

const PREFIX = '/anamnesis/files/'
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A file held for a history: its root CID and its sealed size in bytes. */
export interface HeldFile {
  cid: string
  bytes: number
}

/** The files a node holds, by history. */
export interface FileIndex {
  /** Records that this node holds the file `cid` (`bytes` sealed) for the history log at `log`. */
  add(log: string, cid: CID | string, bytes: number): Promise<void>
  /** Whether this node holds `cid` for `log`. */
  holds(log: string, cid: CID | string): Promise<boolean>
  /** Every file held for `log`. */
  filesOf(log: string): Promise<HeldFile[]>
  /** Forgets that `cid` is held for `log` (its blocks are the caller's to delete). */
  remove(log: string, cid: CID | string): Promise<void>
}

/** The manifest hash of an OrbitDB address (`/orbitdb/<hash>`), which names the history in keys. */
function logKey(log: string): string {
  const hash = log.split('/').pop() ?? ''
  if (!/^[1-9A-HJ-NP-Za-km-z]{1,100}$/.test(hash)) throw new Error(`"${log}" is not a history log's address`)
  return hash
}

const fileKey = (log: string, cid: CID | string): Key => new Key(`${PREFIX}${logKey(log)}/${(typeof cid === 'string' ? CID.parse(cid) : cid).toV1().toString()}`)

/** The file index kept in `datastore`. */
export function fileIndexOver(datastore: Datastore): FileIndex {
  return {
    add: async (log, cid, bytes) => {
      await datastore.put(fileKey(log, cid), encoder.encode(JSON.stringify({ bytes })))
    },
    holds: async (log, cid) => {
      try {
        return await datastore.has(fileKey(log, cid))
      } catch {
        return false
      }
    },
    filesOf: async (log) => {
      const prefix = `${PREFIX}${logKey(log)}/`
      const files: HeldFile[] = []
      for await (const { key, value } of datastore.query({ prefix })) {
        const bytes = Number((JSON.parse(decoder.decode(value)) as { bytes?: unknown }).bytes)
        files.push({ cid: key.toString().slice(prefix.length), bytes: Number.isSafeInteger(bytes) ? bytes : 0 })
      }
      return files
    },
    remove: async (log, cid) => {
      await datastore.delete(fileKey(log, cid))
    }
  }
}
