// verify()'s verdict on each block of the log, from what was checked:
//   broken      its hash, form, signature, identity, links or write access failed, or it
//               does not decrypt (with a key this device holds) to a valid entry
//   verified    sound, and covered by the latest on-chain anchor
//   unanchored  sound, but written after the latest anchor (or there is none, or the
//               anchored entries were not all found here)
// An entry this device has no key for is judged on its block alone.
import type { EntryVerdict } from './historyLog.ts'

/** One block of the log as verify() checked it: its hash, what the block check found, and what opening it found. */
export interface CheckedBlock {
  hash: string
  /** What the block check found wrong (src/p2p checkBlocks). */
  problem?: string
  /** What opening it found: the entry id, or what is wrong with its content, or that there is no key here. */
  content?: { entryId: string } | { problem: string } | { noKey: string } | { keyDrop: true }
}

/**
 * verify()'s verdict on each block, in the order given: `broken` when the block or its content
 * failed a check, `verified` when it is sound and among the anchored blocks, `unanchored` otherwise.
 *
 * @param anchored - The hashes of the blocks the latest on-chain anchor covers; undefined without an
 *   anchor, or when its entries were not all found here.
 */
export function historyVerdicts(blocks: readonly CheckedBlock[], anchored: ReadonlySet<string> | undefined): EntryVerdict[] {
  return blocks.map(({ hash, problem, content }) => {
    const entryId = content !== undefined && 'entryId' in content ? { entryId: content.entryId } : {}
    if (problem !== undefined) return { hash, verdict: 'broken', reason: problem }
    if (content !== undefined && 'problem' in content) return { hash, verdict: 'broken', reason: content.problem }
    const verdict = anchored?.has(hash) === true ? 'verified' : 'unanchored'
    const note = content !== undefined && 'noKey' in content ? { reason: content.noKey } : {}
    return { hash, ...entryId, verdict, ...note }
  })
}
