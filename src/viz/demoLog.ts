// The demo patient's history as the drawings show a log: hash-linked blocks with
// the verdicts verify() would give, forks that merge, and on request one block
// tampered with. Built from src/history's demo entries; nothing here is stored.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import type { DemoPatient, HistoryEntry } from '../history/index.ts'
import type { HistoryBlock } from './historyBlock.ts'

/** How demoLog draws the log. */
export interface DemoLogOptions {
  /** Mark one block as broken, as a tampered log would show. Default false. */
  tamper?: boolean
}

/** A demo patient with his entries as the log's blocks. */
export interface DemoLog extends DemoPatient {
  /** The entries as the log's blocks, hash-linked, with verify() verdicts. */
  blocks: HistoryBlock[]
  /** The latest anchor: blocks written up to it are verified, later ones unanchored. */
  anchoredAt: number
}

/**
 * The log as blocks: each links to the block before it, and now and then two writers
 * wrote at once, so a block has a sibling and the next one merges both. Demo hashes are
 * SHA-256 over the entry and its links; the real log's content ids take their place.
 */
function blocksOf(entries: readonly HistoryEntry[], options: { anchoredAt: number; tamper?: boolean }): HistoryBlock[] {
  const blocks: HistoryBlock[] = []
  const hashOf = (entry: HistoryEntry, previous: readonly string[]): string => bytesToHex(sha256(utf8ToBytes(JSON.stringify({ entry, previous }))))
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]
    if (entry === undefined) continue
    const last = blocks[i - 1]
    const beforeLast = blocks[i - 2]
    let previous: string[]
    // Every 97th block was written concurrently with the one before it; the next block merges the two heads.
    if (i % 97 === 2 && beforeLast !== undefined) previous = [...beforeLast.previous]
    else if (i % 97 === 3 && last !== undefined && beforeLast !== undefined) previous = [beforeLast.entryHash, last.entryHash]
    else previous = last === undefined ? [] : [last.entryHash]
    blocks.push({
      entryHash: hashOf(entry, previous),
      previous,
      verdict: Date.parse(entry.writtenAt) <= options.anchoredAt ? 'verified' : 'unanchored',
      writer: entry.writer,
      entry
    })
  }
  if (options.tamper === true) {
    // A block from the middle of the log, as if someone had changed it after the anchor.
    const index = Math.floor(blocks.length * 0.62)
    const block = blocks[index]
    if (block !== undefined) blocks[index] = { ...block, verdict: 'broken', reason: 'Its content does not match its hash: it was changed after it was written and anchored.' }
  }
  return blocks
}

/** The demo patient's log of blocks: all but the last few (about 2 %) anchored, the same for the same patient. */
export function demoLog(demo: DemoPatient, options: DemoLogOptions = {}): DemoLog {
  const { entries } = demo
  const anchorIndex = Math.max(0, entries.length - 1 - Math.max(3, Math.floor(entries.length * 0.02)))
  const anchoredAt = Date.parse(entries[anchorIndex]?.writtenAt ?? new Date(demo.now).toISOString())
  return { ...demo, blocks: blocksOf(entries, { anchoredAt, ...(options.tamper === undefined ? {} : { tamper: options.tamper }) }), anchoredAt }
}
