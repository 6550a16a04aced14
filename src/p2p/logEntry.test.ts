import * as dagCbor from '@ipld/dag-cbor'
import { Entry, Identities, KeyStore, MemoryStorage } from '@orbitdb/core'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { walletIdentityOf } from '../../test/support/walletSignatures.ts'
import { base58btc } from 'multiformats/bases/base58'
import { cidOfBytes, encodeBlock, hashOfBytes, parseHash } from './blocks.ts'
import { checkBlock, createLogEntry, decodeLogEntry, verifyEntrySignature, type LogEntry } from './logEntry.ts'
import type { WalletIdentity } from './walletIdentity.ts'

const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const LOG = '/orbitdb/zdpuAqVQShn9Va4a6JkKDMkSuDDHD2SKp7DgH4ANuPLTAs1YH'
let first: LogEntry
let second: LogEntry

beforeAll(async () => {
  const { identity }: { identity: WalletIdentity } = await walletIdentityOf(account)
  first = await createLogEntry({ identity, logId: LOG, payload: Uint8Array.of(1, 2, 3), next: [], time: 1 })
  second = await createLogEntry({ identity, logId: LOG, payload: Uint8Array.of(4, 5), next: [first.hash], time: 2 })
})

describe('log entries', () => {
  it('are OrbitDB v2 entries: stock OrbitDB decodes them to the same hash and verifies the signature', async () => {
    const decoded = (await Entry.decode(second.bytes)) as { hash: string; next: string[] }
    expect(decoded.hash).toBe(second.hash)
    expect(decoded.next).toEqual([first.hash])
    const identities = await Identities({ keystore: await KeyStore({ storage: await MemoryStorage() }) })
    expect(await Entry.verify(identities, decoded)).toBe(true)
  })

  it('decode back from their bytes, with the hash computed from them', () => {
    expect(decodeLogEntry(second.bytes)).toEqual(second)
    expect(verifyEntrySignature(second)).toBe(true)
  })

  it('fail the signature check when anything signed changes', () => {
    expect(verifyEntrySignature({ ...second, payload: Uint8Array.of(4, 6) })).toBe(false)
    expect(verifyEntrySignature({ ...second, next: [] })).toBe(false)
    expect(verifyEntrySignature({ ...second, clock: { ...second.clock, time: 3 } })).toBe(false)
  })

  it('refuse blocks that are not entries of this form', () => {
    const fields = dagCbor.decode<Record<string, unknown>>(second.bytes)
    expect(decodeLogEntry(encodeBlock({ ...fields, extra: 1 }).bytes)).toMatch(/fields of a log entry/)
    expect(decodeLogEntry(encodeBlock({ ...fields, v: 1 }).bytes)).toMatch(/version/)
    // A version that JavaScript cannot turn into text (a map whose "toString" is not a function) is refused, not thrown.
    expect(decodeLogEntry(encodeBlock({ ...fields, v: { toString: null } }).bytes)).toBe('the entry has no version number (2)')
    expect(decodeLogEntry(encodeBlock({ ...fields, payload: 'plain text' }).bytes)).toMatch(/payload/)
    expect(decodeLogEntry(encodeBlock({ ...fields, next: ['QmNotAnEntry'] }).bytes)).toMatch(/links/)
    expect(decodeLogEntry(encodeBlock({ ...fields, clock: { id: 'x', time: 0 } }).bytes)).toMatch(/clock/)
    // The same signed entry with a field beside the clock's id and time: another block the signature would verify.
    expect(decodeLogEntry(encodeBlock({ ...fields, clock: { ...(fields.clock as object), extra: null } }).bytes)).toBe('the entry clock has other fields than id and time')
    // The same content in a non-canonical encoding (a map with its keys out of order).
    const swapped = Uint8Array.of(0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02)
    expect(decodeLogEntry(swapped)).toMatch(/canonical|not an object|fields/)
  })

  it('are read and checked from a peer\'s block in one step: hash, form and signature', () => {
    expect(checkBlock(second.bytes)).toEqual({ entry: second, signed: true })
    // Another payload under the same signature: a sound block whose signature does not verify.
    const fields = dagCbor.decode<Record<string, unknown>>(second.bytes)
    const altered = encodeBlock({ ...fields, payload: Uint8Array.of(4, 6) })
    expect(checkBlock(altered.bytes)).toMatchObject({ entry: { hash: altered.hash }, signed: false })
    const extra = encodeBlock({ ...fields, extra: 1 })
    expect(checkBlock(extra.bytes)).toEqual({ hash: extra.hash, refusal: 'it is not a log entry: the block does not have the fields of a log entry' })
  })

  it('are taken as signed, unchecked, only with the identity and the key of the signer the sending peer proved', async () => {
    const fields = dagCbor.decode<Record<string, unknown>>(second.bytes)
    const altered = encodeBlock({ ...fields, payload: Uint8Array.of(4, 6) })
    const proven = { identity: second.identity, key: second.key }
    expect(checkBlock(altered.bytes, proven)).toMatchObject({ entry: { hash: altered.hash }, signed: true })
    // Another identity with the same key, or the same identity with another key: checked, and refused.
    const otherKey = (await walletIdentityOf(privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'))).identity.verified.publicKeyHex
    expect(checkBlock(altered.bytes, { ...proven, identity: first.hash })).toMatchObject({ signed: false })
    expect(checkBlock(altered.bytes, { ...proven, key: otherKey })).toMatchObject({ signed: false })
    const claimingOtherKey = encodeBlock({ ...fields, key: otherKey })
    expect(checkBlock(claimingOtherKey.bytes, proven)).toMatchObject({ signed: false })
  })
})

describe('entry names', () => {
  it('parse to the CID they were computed from, and a name one character off is refused or another CID', () => {
    const name = hashOfBytes(second.bytes)
    expect(parseHash(name)?.equals(cidOfBytes(second.bytes))).toBe(true)
    // Read again (from what this thread remembers), the same CID.
    expect(parseHash(name)?.toString(base58btc)).toBe(name)
    const other = `${name.slice(0, -1)}${name.endsWith('1') ? '2' : '1'}`
    expect(parseHash(other)?.toString(base58btc) ?? 'refused').not.toBe(name)
    expect(parseHash(`${name}1`)).toBeUndefined()
    expect(parseHash('QmNotAnEntry')).toBeUndefined()
  })
})
