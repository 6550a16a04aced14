import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { prepareBulkSigning, secp256k1Signer, verifySecp256k1 } from '../crypto/index.ts'
import { signChain, type ChainAnswer, type ChainLink, type ChainRequest } from './entryChain.ts'
import { signedPart } from './logEntry.ts'

// The worker's module run on this thread: what it posts is collected, what it is sent is handed to its onmessage.
const scope = globalThis as unknown as { onmessage: ((event: { data: unknown }) => void) | null; postMessage: (message: ChainAnswer) => void }
const answers: ChainAnswer[] = []
const send = (message: unknown): void => scope.onmessage?.({ data: structuredClone(message) })

const LOG = '/orbitdb/zdpuAz4dX2w9ya9yEdYme9pVSBDHCGRniyd97iHCfkwVNyi5H'
const IDENTITY = 'zdpuAmdNdoCi8EH3H79TPvWKHLikP7tuWyUyUmaYaUhqy551G'
const key = sha256(Uint8Array.of(11))
const signer = secp256k1Signer(key)
const links = (n: number, from: number): ChainLink[] => Array.from({ length: n }, (_, i) => ({ payload: Uint8Array.of(from + i, 1, 2, 3), heads: [], time: from + i }))
const request = (id: number, n: number, from: number, publicKey = signer.publicKey): ChainRequest => ({ id, key: bytesToHex(publicKey), identity: IDENTITY, logId: LOG, links: links(n, from) })

beforeAll(async () => {
  scope.postMessage = (message) => answers.push(message)
  await import('./entryChainWorker.ts')
})

describe('the entry signing worker', () => {
  it('refuses a posted key that is not one at once, so the page ends it', () => {
    expect(() => send({ kind: 'secp256k1-signing-key', secretKey: new Uint8Array(32) })).toThrow(/secret key/)
  })

  it('answers each row in the order asked, signed with the posted key as the bulk signer signs it, and refuses a row of another identity', async () => {
    signer.postTo({ postMessage: send })
    send({ kind: 'prepare-chain-signing' })
    send(request(1, 20, 0))
    send(request(2, 3, 20))
    send(request(3, 2, 0, secp256k1Signer(sha256(Uint8Array.of(12))).publicKey))
    await vi.waitFor(() => expect(answers).toHaveLength(3))
    expect(answers.map((answer) => answer.id)).toEqual([1, 2, 3])
    expect(answers[2]?.error).toBe('this worker holds the key of another identity')
    const bulk = (await prepareBulkSigning()).signer(key)
    for (const [i, from, n] of [[0, 0, 20], [1, 20, 3]] as const) {
      const expected = signChain({ key: bytesToHex(signer.publicKey), identity: IDENTITY, signer: bulk }, LOG, links(n, from))
      expect(answers[i]?.signed?.map(({ hash }) => hash)).toEqual(expected.map((entry) => entry.hash))
      for (const entry of expected) expect(verifySecp256k1(hexToBytes(entry.sig), signer.publicKey, signedPart(entry))).toBe(true)
    }
  })
})
