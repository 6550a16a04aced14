// The receiving end of a pull, frames arriving faster than the first is checked: a holder that
// sends every frame at once (a keeper) must not have the entries of the later frames refused for a
// writer the first frame's identity block names. Whose entries' signatures it checks (every one but
// those of the key the holder proved), and whose keys it has the signature workers prepare ahead of
// their entries (prepareSignatureKey is watched here; in Node it does nothing).
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { TEST_DOMAIN, walletIdentityOf } from '../../test/support/walletSignatures.ts'
import { decodeCanonical, encodeBlock } from './blocks.ts'
import { createLogEntry } from './logEntry.ts'
import { createReceiver } from './logReceiver.ts'
import { openLogStore } from './logStore.ts'
import type { LogEvent } from './patientLogApi.ts'
import { prepareSignatureKey } from './verifySignatures.ts'
import { useIdentityDomain, type WalletIdentity } from './walletIdentity.ts'

vi.mock('./verifySignatures.ts', async (importOriginal) => ({ ...(await importOriginal<typeof import('./verifySignatures.ts')>()), prepareSignatureKey: vi.fn() }))

// anvil's development accounts 0 and 1: public test keys.
const patientAccount = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const doctorAccount = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const LOG = '/orbitdb/zdpuAqVQShn9Va4a6JkKDMkSuDDHD2SKp7DgH4ANuPLTAs1YH'

let patient: WalletIdentity
let doctor: WalletIdentity

beforeAll(async () => {
  useIdentityDomain(TEST_DOMAIN)
  ;({ identity: patient } = await walletIdentityOf(patientAccount))
  ;({ identity: doctor } = await walletIdentityOf(doctorAccount))
})

describe('a pull whose frames arrive at once', () => {
  it('stores the entries of every frame, though the first frame, which brings the writer\'s identity, is still asking the ledger when the next one comes', async () => {
    // The patient's chain of 200 entries, as a holder sends them: 128, then 72; the identity with the first frame.
    const entries: Uint8Array[] = []
    let previous: string | undefined
    for (let time = 1; time <= 200; time++) {
      const entry = await createLogEntry({ identity: patient, logId: LOG, payload: new TextEncoder().encode(`record ${time}`), next: previous === undefined ? [] : [previous], time })
      entries.push(entry.bytes)
      previous = entry.hash
    }

    // The doctor's device, which has never seen the patient's identity; the ledger answers when told to.
    const store = openLogStore({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }, LOG, doctor)
    let answer: (version: number | undefined) => void = () => undefined
    const ledgerAnswer = new Promise<number | undefined>((resolve) => {
      answer = resolve
    })
    const events: LogEvent[] = []
    const receiver = createReceiver(
      {
        store,
        rules: {
          address: LOG,
          patient: patient.verified.address,
          identityOf: (hash) => store.identityOf(hash),
          mayWrite: () => Promise.resolve(false),
          keyVersionOf: () => ledgerAnswer
        },
        commit: (added, identities) => store.commit(added, identities),
        emit: (event) => events.push(event)
      },
      'holder'
    )

    const first = receiver.receive({ identities: [patient.bytes], entries: entries.slice(0, 128) })
    const second = receiver.receive({ identities: [], entries: entries.slice(128) })
    await new Promise((resolve) => setTimeout(resolve, 50))
    answer(1)
    expect(await Promise.all([first, second])).toEqual([128, 72])
    await receiver.finish([previous ?? ''])

    expect(store.entries()).toHaveLength(200)
    expect(store.heads()).toEqual([previous])
    expect(events.filter((event) => event.type === 'rejected')).toEqual([])
  })
})

describe('whose signatures a pull checks, and the writers\' keys prepared ahead of their entries', () => {
  /** The receiver of a doctor's device (which takes the patient's word), or of the patient's own (`takesPatientsWord` false). */
  const receiverOf = (store: ReturnType<typeof openLogStore>, events: LogEvent[] = [], takesPatientsWord = true): ReturnType<typeof createReceiver> =>
    createReceiver(
      {
        store,
        rules: { address: LOG, patient: patient.verified.address, identityOf: (hash) => store.identityOf(hash), mayWrite: () => Promise.resolve(true), keyVersionOf: () => Promise.resolve(1) },
        commit: (added, identities) => store.commit(added, identities),
        emit: (event) => events.push(event),
        takesPatientsWord
      },
      'holder'
    )
  const emptyStore = (who = doctor): ReturnType<typeof openLogStore> => openLogStore({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }, LOG, who)
  const refusedAsUnsigned = (hash: string): LogEvent[] => [{ type: 'rejected', peer: 'holder', entries: [{ hash, reason: 'its signature does not verify' }] }]
  /** An entry of `writer` in sound form whose signature does not verify: another payload under the signature of `text`. */
  const badlySigned = async (writer: WalletIdentity, text: string): Promise<{ hash: string; bytes: Uint8Array }> => {
    const signed = await createLogEntry({ identity: writer, logId: LOG, payload: new TextEncoder().encode(text), next: [], time: 1 })
    return encodeBlock({ ...(decodeCanonical(signed.bytes) as Record<string, unknown>), payload: new TextEncoder().encode(`${text}, altered`) })
  }

  beforeEach(() => {
    vi.mocked(prepareSignatureKey).mockClear()
  })

  it('takes the patient\'s entries at the word of a holder that proved the patient\'s key, and checks every other writer\'s signature', async () => {
    const patientsWord = await badlySigned(patient, 'a note of the patient\'s')
    const doctorsForgery = await badlySigned(doctor, 'a note of the doctor\'s')
    const events: LogEvent[] = []
    const store = emptyStore()
    const receiver = receiverOf(store, events)
    receiver.holderProven?.(patient.verified)
    expect(await receiver.receive({ identities: [patient.bytes, doctor.bytes], entries: [patientsWord.bytes, doctorsForgery.bytes] })).toBe(2)
    await receiver.finish([patientsWord.hash, doctorsForgery.hash])
    expect(store.entries().map((stored) => stored.hash)).toEqual([patientsWord.hash])
    expect(events.filter((event) => event.type === 'rejected')).toEqual(refusedAsUnsigned(doctorsForgery.hash))
  })

  it('checks the signature of every entry from a holder that proved another wallet: the patient\'s entries, and its own', async () => {
    const forged = await badlySigned(patient, 'a note of the patient\'s')
    const own = await badlySigned(doctor, 'a note of the doctor\'s')
    for (const entry of [forged, own]) {
      const events: LogEvent[] = []
      const store = emptyStore()
      const receiver = receiverOf(store, events)
      receiver.holderProven?.(doctor.verified)
      await receiver.receive({ identities: [patient.bytes, doctor.bytes], entries: [entry.bytes] })
      await receiver.finish([entry.hash])
      expect(store.entries()).toEqual([])
      expect(events.filter((event) => event.type === 'rejected')).toEqual(refusedAsUnsigned(entry.hash))
    }
  })

  it('checks every signature on the patient\'s own device, the entries of another device of the patient\'s too', async () => {
    const unsigned = await badlySigned(patient, 'a note of the patient\'s')
    const events: LogEvent[] = []
    const store = emptyStore(patient)
    const receiver = receiverOf(store, events, false)
    receiver.holderProven?.(patient.verified)
    await receiver.receive({ identities: [patient.bytes], entries: [unsigned.bytes] })
    await receiver.finish([unsigned.hash])
    expect(store.entries()).toEqual([])
    expect(events.filter((event) => event.type === 'rejected')).toEqual(refusedAsUnsigned(unsigned.hash))
  })

  it('prepares each other writer\'s key once, as its identity arrives with a frame, and not the key the holder proved', async () => {
    const entry = await createLogEntry({ identity: doctor, logId: LOG, payload: new TextEncoder().encode('a note'), next: [], time: 1 })
    const store = emptyStore()
    const receiver = receiverOf(store)
    receiver.holderProven?.(patient.verified)
    expect(await receiver.receive({ identities: [patient.bytes, doctor.bytes], entries: [entry.bytes] })).toBe(1)
    expect(await receiver.receive({ identities: [patient.bytes, doctor.bytes], entries: [] })).toBe(0)
    await receiver.finish([entry.hash])
    expect(vi.mocked(prepareSignatureKey).mock.calls).toEqual([[doctor.verified.publicKey]])
    expect(store.entries().map((stored) => stored.hash)).toEqual([entry.hash])
  })
})
