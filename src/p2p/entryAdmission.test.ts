import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { walletIdentityOf } from '../../test/support/walletSignatures.ts'
import { checkOffered, checkWriter, clockRefusal, endorseAncestors, endorses, entryOfBlock, entryOfStoredBlock, parentsOf, writeAccessRefusal, type AdmissionRules } from './entryAdmission.ts'
import type { StoredEntry } from './patientLogApi.ts'
import { createLogEntry, type LogEntry } from './logEntry.ts'
import type { WalletAddress, WalletIdentity } from './walletIdentity.ts'

// anvil's development accounts 0 and 1: public test keys.
const patientAccount = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const doctorAccount = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const LOG = '/orbitdb/zdpuAqVQShn9Va4a6JkKDMkSuDDHD2SKp7DgH4ANuPLTAs1YH'
const OTHER_LOG = '/orbitdb/zdpuB1iPuRdJUAWgHRNq3PZrjpiRZKoZ3EJTLLiENGGobYViS'

let patient: WalletIdentity
/** The patient's identity after replacing their keys once (key version 2). */
let replaced: WalletIdentity
let doctor: WalletIdentity
let first: LogEntry

async function identityOf(account: PrivateKeyAccount, version = 1): Promise<WalletIdentity> {
  return (await walletIdentityOf(account, undefined, version)).identity
}

/**
 * A log of `patient` where `granted` holds the writers with a live write grant, and `versions` the
 * key version each wallet has registered (none known: no registry answer).
 */
function rules(granted: WalletAddress[] = [], versions: Record<string, number> = {}): AdmissionRules {
  const known = new Map([patient, replaced, doctor].map((identity) => [identity.hash, identity.verified]))
  return {
    address: LOG,
    patient: patient.verified.address,
    identityOf: (hash) => Promise.resolve(known.get(hash)),
    mayWrite: (writer) => Promise.resolve(granted.includes(writer)),
    keyVersionOf: (wallet) => Promise.resolve(versions[wallet])
  }
}

/** An entry as admission sees it once its writer is checked. */
async function written(identity: WalletIdentity, next: string[], time: number): Promise<StoredEntry> {
  const result = await checkWriter(await entry(identity, next, time), rules())
  if (typeof result === 'string') throw new Error(result)
  return result
}

const entry = (identity: WalletIdentity, next: string[], time: number, logId = LOG): Promise<LogEntry> =>
  createLogEntry({ identity, logId, payload: Uint8Array.of(time), next, time })

beforeAll(async () => {
  patient = await identityOf(patientAccount)
  replaced = await identityOf(patientAccount, 2)
  doctor = await identityOf(doctorAccount)
  first = await entry(patient, [], 1)
})

describe('entry admission', () => {
  it('admits a sound entry with its writer\'s wallet, and only counts one the log holds', async () => {
    const second = await entry(doctor, [first.hash], 2)
    const offered = await checkOffered([first.bytes, second.bytes], rules(), (hash) => hash === first.hash)
    expect(offered.refused).toEqual([])
    expect(offered.known).toBe(1)
    expect(offered.checked.map(({ hash, writer }) => ({ hash, writer }))).toEqual([{ hash: second.hash, writer: doctor.verified.address }])
  })

  it('refuses a block whose content does not match its hash, or that is missing', () => {
    const second = entryOfBlock(first.bytes, first.hash)
    expect(typeof second === 'string' ? second : second.hash).toBe(first.hash)
    const altered = Uint8Array.from(first.bytes)
    altered.set([(altered.at(-1) ?? 0) ^ 1], altered.length - 1)
    expect(entryOfBlock(altered, first.hash)).toBe('its content does not match its hash: the block was altered')
    expect(entryOfStoredBlock(first.hash, undefined)).toBe('its block is missing from storage')
  })

  it('refuses an entry signed by anyone but its writer identity\'s key', async () => {
    const forged = await createLogEntry({ identity: { ...patient, sign: doctor.sign }, logId: LOG, payload: Uint8Array.of(9), next: [first.hash], time: 2 })
    const offered = await checkOffered([forged.bytes], rules(), () => false)
    expect(offered.checked).toEqual([])
    expect(offered.refused).toEqual([{ hash: forged.hash, reason: 'its signature does not verify' }])
    const otherKey = { ...forged, key: doctor.verified.publicKeyHex }
    expect(await checkWriter(otherKey, rules())).toBe('it is signed with a key that is not its writer identity\'s')
  })

  it('refuses an entry of another log, or whose writer identity is unknown', async () => {
    expect(await checkWriter(await entry(patient, [], 1, OTHER_LOG), rules())).toBe('it belongs to another log')
    const unknown: AdmissionRules = { ...rules(), identityOf: () => Promise.resolve(undefined) }
    expect(await checkWriter(first, unknown)).toBe('its writer identity is missing, unknown or not bound to a wallet')
  })

  it('refuses an entry with too many links', async () => {
    const crowded = await entry(patient, Array.from({ length: 65 }, () => first.hash), 2)
    const offered = await checkOffered([crowded.bytes], rules(), () => false)
    expect(offered.refused).toEqual([{ hash: crowded.hash, reason: 'it is not a log entry: the entry links to more than 64 entries' }])
  })

  it('refuses a writer without a live grant, unless the patient built on the entry', async () => {
    const doctorAddress = doctor.verified.address
    const byDoctor = await written(doctor, [first.hash], 2)
    expect(await writeAccessRefusal(byDoctor, false, rules())).toBe(`${doctorAddress} has no live grant to write to this history`)
    expect(await writeAccessRefusal(byDoctor, false, rules([doctorAddress]))).toBeUndefined()
    expect(await writeAccessRefusal(byDoctor, true, rules())).toBeUndefined()
    expect(await writeAccessRefusal(await written(patient, [], 1), false, rules())).toBeUndefined()
  })

  describe('an identity of keys its wallet replaced', () => {
    const wallet = (): WalletAddress => patient.verified.address
    const afterReplacement = (): AdmissionRules => rules([], { [wallet()]: 2 })

    it('names the key version its binding was signed for', async () => {
      expect((await written(patient, [], 1)).writerKeyVersion).toBe(1)
      expect((await written(replaced, [], 1)).writerKeyVersion).toBe(2)
    })

    it('is refused when nothing of the patient\'s current identity builds on it, with the reason', async () => {
      // Whoever holds the exposed version-1 signature signs as the patient's old identity.
      const forged = await written(patient, [first.hash], 2)
      expect(await writeAccessRefusal(forged, false, afterReplacement())).toBe(`it is signed with keys that ${wallet()} replaced (key version 1; version 2 is the registered one)`)
      // A doctor's write grant does not lift it for the doctor's own old keys either.
      const oldDoctor = await written(doctor, [first.hash], 2)
      expect(await writeAccessRefusal(oldDoctor, false, rules([doctor.verified.address], { [doctor.verified.address]: 3 }))).toMatch(/signed with keys that 0x[0-9a-f]{40} replaced/)
    })

    it('is admitted when the patient\'s current identity builds on it: the patient\'s entries from before the replacement', async () => {
      const before = await written(patient, [first.hash], 2)
      const drop = await written(replaced, [before.hash], 3)
      const endorsed = new Set<string>()
      expect(await endorses(drop, afterReplacement())).toBe(true)
      endorseAncestors([drop], (hash) => (hash === before.hash ? parentsOf(before) : undefined), endorsed)
      expect(endorsed.has(before.hash)).toBe(true)
      expect(await writeAccessRefusal(before, endorsed.has(before.hash), afterReplacement())).toBeUndefined()
    })

    it('does not endorse: an entry of a retired identity vouches for nothing it builds on', async () => {
      const forged = await written(patient, [first.hash], 2)
      const onTop = await written(patient, [forged.hash], 3)
      expect(await endorses(onTop, afterReplacement())).toBe(false)
      expect(await endorses(await written(doctor, [first.hash], 2), afterReplacement())).toBe(false)
      expect(await endorses(await written(replaced, [first.hash], 2), afterReplacement())).toBe(true)
    })

    it('admits the current identity, and every identity while no registry has answered', async () => {
      expect(await writeAccessRefusal(await written(replaced, [first.hash], 2), false, afterReplacement())).toBeUndefined()
      expect(await writeAccessRefusal(await written(patient, [first.hash], 2), false, rules())).toBeUndefined()
    })
  })

  it('refuses a clock that is not after every parent\'s', async () => {
    const second = await entry(doctor, [first.hash], 1)
    expect(clockRefusal(second, () => 1)).toBe('its clock is not after the entries it follows')
    expect(clockRefusal(second, () => undefined)).toBeUndefined()
  })

  it('refuses a clock that jumps ahead of its parents, such as one near 2^53, and takes the next tick', async () => {
    expect(clockRefusal(await entry(doctor, [first.hash], 2), () => 1)).toBeUndefined()
    expect(clockRefusal(await entry(doctor, [first.hash], 3), () => 1)).toBe('its clock jumps ahead of the entries it follows')
    expect(clockRefusal(await entry(doctor, [first.hash], Number.MAX_SAFE_INTEGER), () => 1)).toBe('its clock jumps ahead of the entries it follows')
    expect(clockRefusal(await entry(doctor, [], 1), () => undefined)).toBeUndefined()
    expect(clockRefusal(await entry(doctor, [], 7), () => undefined)).toBe('its clock jumps ahead of the entries it follows')
  })

  it('endorses every entry a patient\'s entry builds on, as far as the walk may pass', async () => {
    const d1 = await entry(doctor, [first.hash], 2)
    const d2 = await entry(doctor, [d1.hash], 3)
    const p3 = await entry(patient, [d2.hash], 4)
    const walkable = new Map([d1, d2].map((e) => [e.hash, parentsOf(e)]))
    const endorsed = new Set<string>()
    endorseAncestors([p3], (hash) => walkable.get(hash), endorsed)
    expect(endorsed).toEqual(new Set([d2.hash, d1.hash]))
  })
})
