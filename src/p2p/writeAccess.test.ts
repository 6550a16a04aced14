import { describe, expect, it } from 'vitest'
import { HistoryWriteAccessController, MAX_VERSION_ANSWERS, type KeyVersionOf } from './writeAccess.ts'
import type { WalletAddress } from './walletIdentity.ts'

const patient = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as WalletAddress
const other = '0x70997970c51812dc3a010c7d01b50e0aa4f3c79c' as WalletAddress

/** A controller for a new log of `patient` over a blockstore in memory, reading key versions from `keyVersionOf`. */
async function controller(keyVersionOf: KeyVersionOf, cacheMs = 0) {
  const blocks = new Map<string, Uint8Array>()
  const blockstore = {
    put: (cid: { toString(): string }, bytes: Uint8Array) => Promise.resolve(blocks.set(cid.toString(), bytes)),
    get: () => []
  }
  return await HistoryWriteAccessController({ patient, keyVersionOf, cacheMs })({ orbitdb: { ipfs: { blockstore } } })
}

describe('the key version a wallet has registered', () => {
  it('stands at the highest the registry named while the registry cannot answer, names none or names a lower one', async () => {
    const answers: (() => Promise<number | undefined>)[] = [
      () => Promise.resolve(2),
      () => Promise.reject(new Error('the RPC node is down')),
      () => Promise.resolve(undefined),
      // A registry node that lags behind: versions only go up, so the replacement heard of stands.
      () => Promise.resolve(1),
      () => Promise.resolve(3),
      () => Promise.reject(new Error('the RPC node is down'))
    ]
    const access = await controller(() => (answers.shift() ?? (() => Promise.resolve(undefined)))())
    const heard: (number | undefined)[] = []
    for (let i = 0; i < 5; i++) heard.push(await access.keyVersionOf(patient))
    expect(heard).toEqual([2, 2, 2, 2, 3])
    // Forgetting cached answers (a grant or revocation seen) forgets no replacement either.
    access.refresh()
    expect(await access.keyVersionOf(patient)).toBe(3)
  })

  it('is not asked again when a grant or revocation is seen (answers about grants only are forgotten), and is when all are', async () => {
    const asked: string[] = []
    const grants: string[] = []
    const blocks = new Map<string, Uint8Array>()
    const blockstore = {
      put: (cid: { toString(): string }, bytes: Uint8Array) => Promise.resolve(blocks.set(cid.toString(), bytes)),
      get: () => []
    }
    const access = await HistoryWriteAccessController({
      patient,
      cacheMs: 60_000,
      keyVersionOf: (wallet) => {
        asked.push(wallet)
        return Promise.resolve(1)
      },
      canWrite: (writer) => {
        grants.push(writer)
        return Promise.resolve(true)
      }
    })({ orbitdb: { ipfs: { blockstore } } })
    // A wallet no other test asked about: the highest version heard is kept for the whole process.
    const third = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc' as WalletAddress
    expect(await access.keyVersionOf(third)).toBe(1)
    expect(await access.mayWrite(other)).toBe(true)
    access.refresh('grants')
    expect(await access.keyVersionOf(third)).toBe(1)
    expect(await access.mayWrite(other)).toBe(true)
    expect(asked).toEqual([third])
    expect(grants).toEqual([other, other])
    // A rotation because a doctor replaced their keys forgets the key versions too: the registry is asked at once.
    access.refresh()
    expect(await access.keyVersionOf(third)).toBe(1)
    expect(asked).toEqual([third, third])
  })

  it('is unknown, so refuses nothing, until the registry has answered once', async () => {
    const access = await controller(() => Promise.reject(new Error('the RPC node is down')))
    expect(await access.keyVersionOf(other)).toBeUndefined()
  })

  it('keeps at most MAX_VERSION_ANSWERS answers: hellos proving wallet after wallet do not grow the device\'s memory', async () => {
    const asked: string[] = []
    const access = await controller((wallet) => {
      asked.push(wallet)
      return Promise.resolve(1)
    }, 60_000)
    const wallet = (i: number): WalletAddress => `0x${i.toString(16).padStart(40, '0')}`
    for (let i = 0; i <= MAX_VERSION_ANSWERS; i++) await access.keyVersionOf(wallet(i))
    expect(asked).toHaveLength(MAX_VERSION_ANSWERS + 1)
    // The newest answers are reused; the oldest was forgotten, so it is asked again.
    await access.keyVersionOf(wallet(MAX_VERSION_ANSWERS))
    expect(asked).toHaveLength(MAX_VERSION_ANSWERS + 1)
    await access.keyVersionOf(wallet(0))
    expect(asked).toHaveLength(MAX_VERSION_ANSWERS + 2)
  })
})
