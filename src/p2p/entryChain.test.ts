import { Entry, Identities, KeyStore, MemoryStorage } from '@orbitdb/core'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { walletIdentityOf } from '../../test/support/walletSignatures.ts'
import { clockRefusal } from './entryAdmission.ts'
import { chainEntries, chainRows, sideBySide, signChain, signingLanes, type ChainLink } from './entryChain.ts'
import { createLogEntry, decodeLogEntry, verifyEntrySignature } from './logEntry.ts'
import type { WalletIdentity } from './walletIdentity.ts'

const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const LOG = '/orbitdb/zdpuAqVQShn9Va4a6JkKDMkSuDDHD2SKp7DgH4ANuPLTAs1YH'
const HEADS = ['zdpuAmRtbL62Yt5w3H6rPm8wvLxM96qBVx3NxaVMbDPBCsP9s', 'zdpuAwKWfvDsDpSK3xAktazC6tJjCWcZsEs6sKf3QKpBWvHx9']
let identity: WalletIdentity

beforeAll(async () => {
  ;({ identity } = await walletIdentityOf(account))
})

/** A row of `count` entries whose first merges HEADS. */
const row = (count: number): ChainLink[] => Array.from({ length: count }, (_, i) => ({ payload: Uint8Array.of(i, 1, 2), heads: i === 0 ? HEADS : [], time: 8 + i }))

describe('a row of new entries', () => {
  it('is the entries written one by one, each following the one before, and stock OrbitDB verifies each', async () => {
    const signed = signChain({ key: identity.publicKey, identity: identity.hash, signer: { sign: (data) => identity.signBytes(data) } }, LOG, row(3))
    let next = HEADS
    const identities = await Identities({ keystore: await KeyStore({ storage: await MemoryStorage() }) })
    for (const [i, entry] of signed.entries()) {
      const alone = await createLogEntry({ identity, logId: LOG, payload: Uint8Array.of(i, 1, 2), next, time: 8 + i })
      expect(entry).toEqual(alone)
      expect(decodeLogEntry(entry.bytes)).toEqual(entry)
      expect(verifyEntrySignature(entry)).toBe(true)
      expect(await Entry.verify(identities, await Entry.decode(entry.bytes))).toBe(true)
      next = [entry.hash]
    }
    expect(signed[1]?.next).toEqual([signed[0]?.hash])
  })

  it('signed where no worker can start (here, in Node) is the same row, carrying the very payloads given', async () => {
    const links = row(20)
    const entries = await chainEntries(identity, LOG, links)
    expect(entries.map((e) => e.hash)).toEqual(signChain({ key: identity.publicKey, identity: identity.hash, signer: { sign: (data) => identity.signBytes(data) } }, LOG, links).map((e) => e.hash))
    // The history knows the plaintext of what it wrote by the payload object: a copy would be decrypted again.
    expect(entries.every((entry, i) => entry.payload === links[i]?.payload)).toBe(true)
  })
})

describe('a long append as rows side by side', () => {
  const payloads = Array.from({ length: 41 }, (_, i) => Uint8Array.of(i, 7))

  it('splits the payloads in order into rows that each start on every head and that readers accept', async () => {
    const rows = sideBySide(payloads, HEADS, 7, 2)
    expect(rows.map((r) => r.length)).toEqual([21, 20])
    expect(rows.flat().map((link) => link.payload)).toEqual(payloads)
    const entries = await chainRows(identity, LOG, rows)
    expect(entries).toHaveLength(41)
    const times = new Map<string, number>([...HEADS.map((hash) => [hash, 7] as [string, number]), ...entries.map((e) => [e.hash, e.clock.time] as [string, number])])
    for (const entry of entries) {
      expect(clockRefusal(entry, (hash) => times.get(hash))).toBeUndefined()
      expect(verifyEntrySignature(entry)).toBe(true)
    }
    // Each row's first entry merges the heads; after the append the log has the two rows' ends as its heads.
    const [first, second] = [entries[0], entries[21]]
    expect(first?.next).toEqual(HEADS)
    expect(second?.next).toEqual(HEADS)
    const followed = new Set(entries.flatMap((e) => e.next))
    expect(entries.filter((e) => !followed.has(e.hash)).map((e) => e.hash)).toEqual([entries[20]?.hash, entries[40]?.hash])
  })

  it('is signed as each row alone would be (here, with no worker, on the page)', async () => {
    const rows = sideBySide(payloads, HEADS, 7, 2)
    const signer = { key: identity.publicKey, identity: identity.hash, signer: { sign: (data: Uint8Array) => identity.signBytes(data) } }
    expect((await chainRows(identity, LOG, rows)).map((e) => e.hash)).toEqual(rows.flatMap((row) => signChain(signer, LOG, row).map((e) => e.hash)))
  })

  it('is one row where no worker can start', () => {
    expect(signingLanes(identity, 250)).toBe(1)
  })
})
