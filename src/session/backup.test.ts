// The backup flow as the pages drive it: the file's name and what it says while it works, a
// restore on a device whose history is not open yet (the wallet opens it first), and refusals
// that leave the history as it was, over real history blocks kept in memory.
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { memoryHistoryLog, type MemoryHistoryLog } from '../../test/support/memoryHistoryLog.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../../test/support/walletSignatures.ts'
import { useIdentityDomain, type WalletIdentity } from '../p2p/index.ts'
import { backupFileName, createBackupFlow, MAX_BACKUP_BYTES, type BackupLog, type ChosenFile, type DownloadStep, type RestoreStep } from './backup.ts'
import type { Cell } from './cell.ts'
import { manualClock } from './sessionFakes.ts'
import { createWriteGate } from './writeGate.ts'

// anvil's development accounts 0 and 5: public test keys.
const patientAccount = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const otherAccount = privateKeyToAccount('0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba')

let patient: WalletIdentity
let other: WalletIdentity

beforeAll(async () => {
  useIdentityDomain(TEST_DOMAIN)
  ;({ identity: patient } = await walletIdentityOf(patientAccount))
  ;({ identity: other } = await walletIdentityOf(otherAccount))
})

const text = (words: string): Uint8Array => new TextEncoder().encode(words)
const chosen = (bytes: Uint8Array): ChosenFile => ({ size: bytes.length, bytes: () => Promise.resolve(bytes) })

/** Every step a cell goes through from now on. */
function stepsOf(cell: Cell<DownloadStep> | Cell<RestoreStep>): string[] {
  const steps: string[] = []
  ;(cell as Cell<{ step: string }>).subscribe((value) => steps.push(value.step))
  return steps
}

/** A device where the patient's history is open (or opens when asked), with the flow bound to it. */
function device(log: MemoryHistoryLog | undefined, opens?: MemoryHistoryLog) {
  let open: BackupLog | undefined = log
  let openings = 0
  const writes = createWriteGate()
  const flow = createBackupFlow({
    log: () => open,
    open: () => {
      openings++
      open = opens
      return Promise.resolve()
    },
    whyNotOpen: () => (opens === undefined ? 'the wallet refused to sign' : undefined),
    clock: manualClock(Date.UTC(2026, 11, 5, 7, 30)),
    writes
  })
  return { flow, writes, openings: () => openings }
}

async function backupOf(log: MemoryHistoryLog): Promise<Uint8Array> {
  const made = await device(log).flow.makeBackup()
  if (made === undefined) throw new Error('no backup')
  return made.bytes
}

describe('downloading a backup', () => {
  it('names the file as an Anamnesis backup of the day, and says how much it holds', async () => {
    expect(backupFileName(Date.UTC(2026, 11, 5, 23, 59))).toBe('anamnesis-backup-2026-12-05.car')
    const log = await memoryHistoryLog(patient.verified.address, patient)
    await log.write([text('envelope 1'), text('envelope 2')])
    const { flow } = device(log)
    const steps = stepsOf(flow.download)
    const made = await flow.makeBackup()
    expect(made?.name).toBe('anamnesis-backup-2026-12-05.car')
    expect(steps).toEqual(['writing', 'done'])
    expect(flow.download.get()).toEqual({ step: 'done', name: 'anamnesis-backup-2026-12-05.car', entries: 2, bytes: made?.bytes.length })
  })

  it('refuses with the reason when the history is empty, or not open here', async () => {
    const empty = device(await memoryHistoryLog(patient.verified.address, patient))
    expect(await empty.flow.makeBackup()).toBeUndefined()
    expect(empty.flow.download.get()).toEqual({ step: 'failed', error: 'Your history is empty on this device: there is nothing to back up yet.' })
    const closed = device(undefined)
    expect(await closed.flow.makeBackup()).toBeUndefined()
    expect(closed.flow.download.get()).toMatchObject({ step: 'failed', error: expect.stringMatching(/^Open your history on this device first/) as unknown })
  })
})

describe('restoring a backup', () => {
  it('on a device whose history is not open, opens it with the wallet first, then imports everything', async () => {
    const laptop = await memoryHistoryLog(patient.verified.address, patient)
    await laptop.write([text('envelope 1'), text('envelope 2'), text('envelope 3')])
    const file = chosen(await backupOf(laptop))
    const phoneLog = await memoryHistoryLog(patient.verified.address, patient)
    const phone = device(undefined, phoneLog)
    const steps = stepsOf(phone.flow.restore)
    const pending: number[] = []
    phone.writes.pending.subscribe((n) => pending.push(n))

    await phone.flow.restoreFrom(file)
    expect(phone.openings()).toBe(1)
    expect(steps).toEqual(['reading', 'opening', 'checking', 'done'])
    expect(phone.flow.restore.get()).toEqual({ step: 'done', added: 3, held: 0 })
    expect(await phoneLog.storedHashes()).toEqual(await laptop.storedHashes())
    // The restore counted as a write under way: a new version of the app waits for it.
    expect(pending).toEqual([1, 0])

    // Again: nothing added, nothing lost.
    await phone.flow.restoreFrom(file)
    expect(phone.openings()).toBe(1)
    expect(phone.flow.restore.get()).toEqual({ step: 'done', added: 0, held: 3 })
    expect(await phoneLog.storedHashes()).toEqual(await laptop.storedHashes())
  })

  it('says why when the history does not open, and imports nothing', async () => {
    const laptop = await memoryHistoryLog(patient.verified.address, patient)
    await laptop.write([text('envelope 1')])
    const phone = device(undefined, undefined)
    await phone.flow.restoreFrom(chosen(await backupOf(laptop)))
    expect(phone.flow.restore.get()).toEqual({
      step: 'failed',
      error: 'Your history did not open on this device: the wallet refused to sign. Open it (My history), then restore the backup. Nothing was imported.'
    })
  })

  it('refuses another wallet\'s backup and a damaged one with the reason, and the history stays as it was', async () => {
    const theirs = await memoryHistoryLog(other.verified.address, other)
    await theirs.write([text('their envelope')])
    const mine = await memoryHistoryLog(patient.verified.address, patient)
    await mine.write([text('envelope 1')])
    const good = await backupOf(mine)
    const { flow } = device(mine)
    const before = await mine.storedHashes()

    await flow.restoreFrom(chosen(await backupOf(theirs)))
    expect(flow.restore.get()).toMatchObject({ step: 'failed', error: expect.stringContaining(`This backup is of another wallet's history (${other.verified.address})`) as unknown })
    await flow.restoreFrom(chosen(good.slice(0, good.length - 7)))
    expect(flow.restore.get()).toMatchObject({ step: 'failed', error: expect.stringMatching(/damaged \(cut short or altered\).*Nothing was imported\.$/) as unknown })
    expect(await mine.storedHashes()).toEqual(before)
  })

  it('refuses a file larger than any backup without reading it', async () => {
    const { flow } = device(await memoryHistoryLog(patient.verified.address, patient))
    const huge = { size: MAX_BACKUP_BYTES + 200_000_000, bytes: () => Promise.reject(new Error('The file was read')) }
    await flow.restoreFrom(huge)
    expect(flow.restore.get()).toEqual({ step: 'failed', error: 'This file is 700 MB, larger than any backup this device can restore (500 MB). Nothing was imported.' })
  })
})
