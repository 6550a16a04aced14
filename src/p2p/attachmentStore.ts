// Sealed attachments as IPFS blocks: a UnixFS file (CIDv1, raw leaves) of the ciphertext that
// src/crypto sealed, so the blocks hold nothing in the clear. Stored through Helia's blockstore,
// which keeps them in this device's IndexedDB and, for a file not held here, asks the connected
// peers that hold it (the patient's device during a visit) for its blocks, each checked against
// its CID as it arrives.
import { unixfs } from '@helia/unixfs'
import type { Blockstore } from 'interface-blockstore'
import { CID } from 'multiformats/cid'
import { P2PError } from './p2pError.ts'

/** The sealed files of a history, by CID. */
export interface AttachmentStore {
  /** Stores a sealed file as its chunks are made; returns its CID (base32). */
  put(sealed: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<string>
  /**
   * The sealed file's bytes in order, fetched from peers block by block where this device lacks them.
   * @throws {P2PError} `ATTACHMENT_NOT_FOUND` for a string that is not a CID; an abort of `signal` ends it with the signal's reason.
   */
  read(cid: string, options?: { signal?: AbortSignal }): AsyncIterable<Uint8Array>
}

/**
 * The attachment store over a Helia blockstore (helia.blockstore: local first, then the connected peers).
 * One block per sealed chunk (256 KiB and its tag), so a file's blocks arrive as the reader checks them.
 */
export function attachmentStoreOver(blockstore: Pick<Blockstore, 'get' | 'put' | 'has'>): AttachmentStore {
  const fs = unixfs({ blockstore })
  return {
    // Each sealed chunk is one leaf block, as it comes: a block fetched is a chunk the reader checks at once.
    put: async (sealed) => (await fs.addByteStream(sealed, { rawLeaves: true, cidVersion: 1, reduceSingleLeafToSelf: false, chunker: (source) => source })).toString(),
    read: (cid, options = {}) => {
      let parsed: CID
      try {
        parsed = CID.parse(cid)
      } catch (cause) {
        throw new P2PError('ATTACHMENT_NOT_FOUND', `"${cid}" does not name a stored file.`, { cause })
      }
      return fs.cat(parsed, options)
    }
  }
}
