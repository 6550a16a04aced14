import { MemoryDatastore } from 'datastore-core'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { describe, expect, it } from 'vitest'
import { fileIndexOver, historyLogAddress, P2PError, type WalletAddress } from '../p2p/index.ts'
import { keeperFiles } from './keeperFiles.ts'
import { MAX_KEPT_FILES, type KeptFile } from './keeperStatement.ts'

const patient = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' as WalletAddress
const fileCid = async (n: number): Promise<string> => CID.createV1(raw.code, await sha256.digest(new Uint8Array(new Uint32Array([n]).buffer))).toString()

/**
 * A keeper's files over a file index in memory, and a patient's device that serves each file whole,
 * breaks off after its first piece, or is gone: as the file protocol's reads end.
 */
async function setup() {
  const index = fileIndexOver(new MemoryDatastore())
  const discarded: string[] = []
  const files = keeperFiles<WalletAddress>({ index, logOf: historyLogAddress, discard: (cid) => Promise.resolve(discarded.push(cid)) })
  const device = { state: 'serving' as 'serving' | 'breaks-off' | 'gone' }
  const release: (() => void)[] = []
  let held = false
  const named = [
    { cid: await fileCid(1), bytes: 1_000 },
    { cid: await fileCid(2), bytes: 2_000 }
  ]
  /** What the device holds of each file: its sealed size. */
  const sizes = new Map(named.map((file) => [file.cid, file.bytes]))
  const read = (file: KeptFile): AsyncIterable<Uint8Array> =>
    (async function* () {
      if (device.state === 'gone') throw new P2PError('ATTACHMENT_NOT_FOUND', 'No connected device or keeper serves this file to you now.')
      const size = sizes.get(file.cid) ?? 0
      yield new Uint8Array(size / 2)
      if (held) await new Promise<void>((resolve) => release.push(resolve))
      if (device.state === 'breaks-off') throw new Error('stream reset')
      yield new Uint8Array(size / 2)
      // Whole and checked: the file store records it (attachmentStore.ts).
      await index.add(historyLogAddress(patient), file.cid, size)
    })()
  const hold = (): void => {
    held = true
  }
  const letGo = (): void => {
    held = false
    for (const resolve of release.splice(0)) resolve()
  }
  return { files, index, read, device, named, discarded, hold, letGo }
}

describe('a keeper\'s attached files', () => {
  it('reports files whose copy broke off, with the first reason, then none once a later attempt copies them', async () => {
    const { files, read, device, named, discarded } = await setup()
    device.state = 'breaks-off'
    const split = await files.sort(patient, named)
    expect(split).toEqual({ held: 0, underWay: 0, wanted: named })
    expect(await files.fetch(patient, split.wanted, read)).toMatchObject({ stored: 0, failed: 2 })
    expect(await files.report(patient)).toEqual({ held: 0, bytes: 0, fetching: 0, failed: 2, failure: 'interrupted' })
    // What came of them is deleted, and counts against the quota no more.
    expect(discarded).toEqual(named.map((file) => file.cid))
    expect(await files.bytes(patient)).toBe(0)

    // The device names them again at its next sync, and serves them whole.
    device.state = 'serving'
    const again = await files.sort(patient, named)
    expect(again.wanted).toEqual(named)
    expect(await files.fetch(patient, again.wanted, read)).toEqual({ stored: 2, failed: 0 })
    expect(await files.report(patient)).toEqual({ held: 2, bytes: 3_000, fetching: 0, failed: 0 })
    expect(await files.bytes(patient)).toBe(3_000)
  })

  it('says a device that was gone, a file larger than named, and keeps the failure of a file not yet retried', async () => {
    const { files, read, device, named } = await setup()
    const [small, large] = named as [KeptFile, KeptFile]
    device.state = 'gone'
    await files.fetch(patient, [small], read)
    expect(await files.report(patient)).toMatchObject({ failed: 1, failure: 'not-served' })
    device.state = 'serving'
    // The second file's statement understates it: what came is not kept.
    expect(await files.fetch(patient, [{ ...large, bytes: 1_500 }], read)).toMatchObject({ stored: 0, failed: 1 })
    expect(await files.report(patient)).toEqual({ held: 0, bytes: 0, fetching: 0, failed: 2, failure: 'not-served' })
    // The first is copied now; the second still failed.
    await files.fetch(patient, [small], read)
    expect(await files.report(patient)).toEqual({ held: 1, bytes: 1_000, fetching: 0, failed: 1, failure: 'larger-than-stated' })
  })

  it('tells a copy under way, copies a file named again meanwhile once, and keeps the last failure until it ends', async () => {
    const { files, read, device, named, hold, letGo } = await setup()
    device.state = 'breaks-off'
    await files.fetch(patient, named, read)
    device.state = 'serving'
    hold()
    const retry = files.fetch(patient, (await files.sort(patient, named)).wanted, read)
    await expect.poll(async () => (await files.report(patient)).fetching).toBe(2)
    expect(await files.report(patient)).toMatchObject({ fetching: 2, failed: 2, failure: 'interrupted' })
    // The bytes under way count against the quota.
    expect(await files.bytes(patient)).toBe(3_000)
    // Named again while they are copied: nothing is fetched twice.
    expect(await files.sort(patient, named)).toEqual({ held: 0, underWay: 2, wanted: [] })
    letGo()
    expect(await retry).toEqual({ stored: 2, failed: 0 })
    expect(await files.report(patient)).toEqual({ held: 2, bytes: 3_000, fetching: 0, failed: 0 })
    expect(await files.sort(patient, named)).toEqual({ held: 2, underWay: 0, wanted: [] })
  })

  it('forgets a removed patient\'s failures, and knows none after a restart', async () => {
    const { files, index, read, device, named } = await setup()
    device.state = 'gone'
    await files.fetch(patient, named, read)
    files.forget(patient)
    expect(await files.report(patient)).toEqual({ held: 0, bytes: 0, fetching: 0, failed: 0 })
    await files.fetch(patient, named, read)
    const restarted = keeperFiles<WalletAddress>({ index, logOf: historyLogAddress, discard: () => Promise.resolve() })
    expect(await restarted.report(patient)).toEqual({ held: 0, bytes: 0, fetching: 0, failed: 0 })
  })

  it('remembers at most as many failures a patient as one statement may name: file after file no device serves does not grow its memory', async () => {
    const { files, read, device } = await setup()
    device.state = 'gone'
    const many = await Promise.all(Array.from({ length: MAX_KEPT_FILES + 10 }, async (_, i) => ({ cid: await fileCid(1000 + i), bytes: 100 })))
    // Two statements' worth, as a patient naming new files at each sync would send them.
    await files.fetch(patient, many.slice(0, MAX_KEPT_FILES), read)
    await files.fetch(patient, many.slice(MAX_KEPT_FILES), read)
    expect(await files.report(patient)).toEqual({ held: 0, bytes: 0, fetching: 0, failed: MAX_KEPT_FILES, failure: 'not-served' })
    // The oldest were forgotten, the newest kept: copying one of each, only the newest leaves the count.
    device.state = 'serving'
    await files.fetch(patient, [many[0] as KeptFile], read)
    expect((await files.report(patient)).failed).toBe(MAX_KEPT_FILES)
    await files.fetch(patient, [many.at(-1) as KeptFile], read)
    expect((await files.report(patient)).failed).toBe(MAX_KEPT_FILES - 1)
  })
})
