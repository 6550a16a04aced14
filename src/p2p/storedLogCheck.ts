// verify()'s part in the log: every entry re-read from storage and checked again from
// scratch, with the checks that admitted it (entryAdmission.ts), nothing taken from memory.
import { checkWriter, clockRefusal, endorseAncestors, endorses, entryOfStoredBlock, parentsOf, signatureRefusals, writeAccessRefusal, type AdmissionRules } from './entryAdmission.ts'
import { parseIdentityBlock, type VerifiedIdentity } from './walletIdentity.ts'
import type { LogStore } from './logStore.ts'
import type { BlockCheck, StoredEntry } from './patientLogApi.ts'

/**
 * One result per entry the log lists, parents before children, damaged ones last. Every block and
 * identity is read back from storage and checked again: hash, form, log, identity and key,
 * signature, parents present, clock, and write access (a live grant now and keys not replaced, or
 * endorsed by the sound entries of the patient's current identity). A child of an entry that fails is not failed for that alone.
 */
export async function checkStoredBlocks(store: LogStore, rules: AdmissionRules): Promise<BlockCheck[]> {
  const hashes = [...store.entries().map((entry) => entry.hash), ...store.damaged().map(({ hash }) => hash)]
  const blocks = await store.readBlocks(hashes)
  const freshIdentities = new Map<string, VerifiedIdentity | undefined>()
  const fromDisk: AdmissionRules = {
    ...rules,
    identityOf: async (hash) => {
      if (freshIdentities.has(hash)) return freshIdentities.get(hash)
      const bytes = (await store.readBlocks([hash])).get(hash)
      const verified = bytes === undefined ? undefined : parseIdentityBlock(bytes)
      const sound = verified === undefined || typeof verified === 'string' || verified.hash !== hash ? undefined : verified
      freshIdentities.set(hash, sound)
      return sound
    }
  }

  /** An entry that failed a check before its links were looked at keeps no entry: nothing builds on it. */
  const checks = new Map<string, { problem?: string; entry?: StoredEntry }>()
  const signed: StoredEntry[] = []
  for (const hash of hashes) {
    const entry = entryOfStoredBlock(hash, blocks.get(hash))
    const stored = typeof entry === 'string' ? entry : await checkWriter(entry, fromDisk)
    if (typeof stored === 'string') {
      checks.set(hash, { problem: stored })
      continue
    }
    checks.set(hash, { entry: stored })
    signed.push(stored)
  }
  const signatures = await signatureRefusals(signed)
  signed.forEach((entry, i) => {
    if (signatures[i] !== undefined) checks.set(entry.hash, { problem: `its signature is not ${entry.writer}'s: the entry was forged` })
  })

  // Links and clocks, over what checked out.
  for (const check of checks.values()) {
    const entry = check.entry
    if (entry === undefined || check.problem !== undefined) continue
    if (parentsOf(entry).some((hash) => !checks.has(hash))) {
      check.problem = 'it builds on an entry that is not in the log (dropped?)'
      continue
    }
    const clock = clockRefusal(entry, (hash) => checks.get(hash)?.entry?.clock.time)
    if (clock !== undefined) check.problem = clock
  }

  const endorsed = new Set<string>()
  const byPatient: StoredEntry[] = []
  for (const check of checks.values()) {
    if (check.problem === undefined && check.entry !== undefined && (await endorses(check.entry, rules))) byPatient.push(check.entry)
  }
  endorseAncestors(byPatient, (hash) => {
    const entry = checks.get(hash)?.entry
    return entry === undefined ? undefined : parentsOf(entry)
  }, endorsed)
  for (const [hash, check] of checks) {
    if (check.problem !== undefined || check.entry === undefined) continue
    const access = await writeAccessRefusal(check.entry, endorsed.has(hash), rules)
    if (access !== undefined) check.problem = access
  }

  return hashes.map((hash): BlockCheck => {
    const { problem, entry } = checks.get(hash) ?? {}
    if (problem !== undefined || entry === undefined) return { hash, problem: problem ?? 'it could not be checked' }
    return { hash, writer: entry.writer, payload: entry.payload }
  })
}
