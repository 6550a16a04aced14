// verify()'s verdict on each block of the log, from what was checked:
//   broken      its hash, form, signature, identity, links or write access failed, or it
//               does not decrypt (with a key this device holds) to a valid entry
//   verified    sound, and covered by the latest on-chain anchor
//   unanchored  sound, but written after the latest anchor (or there is none, or the
//               anchored entries were not all found here)
// An entry this device has no key for is judged on its block alone.
import type { EntryVerdict } from './historyLog.ts'

export interface CheckedBlock {
  hash: string
  /** What the block check found wrong (src/p2p checkBlocks). */
  problem?: string
  /** What opening it found: the entry id, or what is wrong with its content, or that there is no key here. */
  content?: { entryId: string } | { problem: string } | { noKey: string } | { keyDrop: true }
}

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
