import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { describe, expect, it } from 'vitest'
import { blockMatches, DEFAULT_FILE_WINDOW, fileBlockCid, fileWindow, MAX_FILE_WINDOW } from './fileProtocol.ts'

const RAW = 0x55
const DAG_PB = 0x70
const block = Uint8Array.from({ length: 1000 }, (_, i) => i % 251)
const cidOf = (code: number, bytes: Uint8Array): CID => CID.createV1(code, Digest.create(0x12, nobleSha256(bytes)))

describe('the file protocol\'s checks', () => {
  it('takes a CID of a file\'s block only: v1, SHA-256, raw or dag-pb', () => {
    expect(fileBlockCid(cidOf(RAW, block).bytes)?.toString()).toBe(cidOf(RAW, block).toString())
    expect(fileBlockCid(cidOf(DAG_PB, block).bytes)?.code).toBe(DAG_PB)
    // A log entry's CID (dag-cbor), a CIDv0, another hash, and what is no CID at all.
    expect(fileBlockCid(cidOf(dagCbor.code, block).bytes)).toBeUndefined()
    expect(fileBlockCid(CID.createV0(Digest.create(0x12, nobleSha256(block))).bytes)).toBeUndefined()
    expect(fileBlockCid(CID.createV1(RAW, Digest.create(0x13, new Uint8Array(64))).bytes)).toBeUndefined()
    expect(fileBlockCid(new Uint8Array([1, 2, 3]))).toBeUndefined()
    expect(fileBlockCid('bafkrei')).toBeUndefined()
    expect(fileBlockCid(new Uint8Array(65))).toBeUndefined()
  })

  it('matches a block to its CID by its SHA-256, so one altered byte or a block of another CID is caught', async () => {
    const cid = cidOf(RAW, block)
    expect(await blockMatches(cid, block)).toBe(true)
    const altered = block.slice()
    altered[500] = (altered[500] ?? 0) ^ 1
    expect(await blockMatches(cid, altered)).toBe(false)
    expect(await blockMatches(cid, block.subarray(0, 999))).toBe(false)
    expect(await blockMatches(cidOf(RAW, altered), block)).toBe(false)
  })

  it('keeps the window a reader asks for within 1 to 32 blocks, 16 when it asks for none', () => {
    expect(fileWindow(8)).toBe(8)
    expect(fileWindow(0)).toBe(1)
    expect(fileWindow(-5)).toBe(1)
    expect(fileWindow(10_000)).toBe(MAX_FILE_WINDOW)
    expect(fileWindow(2.5)).toBe(DEFAULT_FILE_WINDOW)
    expect(fileWindow('32')).toBe(DEFAULT_FILE_WINDOW)
    expect(fileWindow(undefined)).toBe(DEFAULT_FILE_WINDOW)
  })
})
