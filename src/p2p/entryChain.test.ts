import { Entry, Identities, KeyStore, MemoryStorage } from '@orbitdb/core'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { walletIdentityOf } from '../../test/support/walletSignatures.ts'
import { chainEntries, signChain, type ChainLink } from './entryChain.ts'
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
