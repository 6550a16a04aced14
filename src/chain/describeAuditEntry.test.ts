import { encodeAbiParameters, encodeEventTopics, getAddress, pad, parseEventLogs, type Address, type Hash, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { consentLedgerAbi } from './abi.generated.ts'
import { toAuditEntry, type AuditEntry } from './auditEntry.ts'
import { describeAuditEntry } from './describeAuditEntry.ts'
import { encodeTerms } from './grantTerms.ts'

const patient: Address = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const doctor: Address = getAddress('0x12aa000000000000000000000000000000000cab')
const guardian: Address = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
const clinician: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const tx: Hash = `0x${'ab'.repeat(32)}`
const root: Hex = `0x${'5e'.repeat(31)}01`
const at = new Date(Date.UTC(2026, 5, 1, 9, 30))
const base = { blockNumber: 7n, logIndex: 0, timestamp: at, transactionHash: tx }
const utc = { timeZone: 'UTC' }

describe('describeAuditEntry', () => {
  it('says who was granted what until when, as the issue shows it', () => {
    const entry: AuditEntry = {
      ...base,
      kind: 'granted',
      actor: patient,
      subject: doctor,
      details: { expiry: new Date(Date.UTC(2026, 11, 3, 12)), scope: { categories: ['conditions', 'medications'], mayWrite: false } }
    }
    expect(describeAuditEntry(entry, utc)).toBe('Dr 0x12Aa…0cab was granted read access to conditions, medications until 3 Dec 2026')
  })

  it('names the guardian of an emergency grant and gives the hour it ends', () => {
    const entry: AuditEntry = {
      ...base,
      kind: 'emergencyGranted',
      actor: guardian,
      subject: doctor,
      details: { expiry: new Date(Date.UTC(2026, 5, 3, 21, 5)), scope: { categories: ['allergies'], mayWrite: true } }
    }
    expect(describeAuditEntry(entry, utc)).toBe('Guardian 0x90F7…b906 granted Dr 0x12Aa…0cab emergency read and write access to allergies until 3 Jun 2026, 21:05')
  })

  it('describes revocations and guardian changes', () => {
    expect(describeAuditEntry({ ...base, kind: 'revoked', actor: patient, subject: doctor, details: null })).toBe("Dr 0x12Aa…0cab's access was revoked")
    expect(describeAuditEntry({ ...base, kind: 'guardianAdded', actor: patient, subject: guardian, details: null })).toBe('0x90F7…b906 was named a guardian')
    expect(describeAuditEntry({ ...base, kind: 'guardianRemoved', actor: patient, subject: guardian, details: null })).toBe('0x90F7…b906 is no longer a guardian')
  })

  it('says who broke glass, when and why', () => {
    const entry: AuditEntry = { ...base, kind: 'glassBroken', actor: clinician, subject: patient, details: { reasonCode: 1, reason: 'the patient was unconscious' } }
    expect(describeAuditEntry(entry, utc)).toBe('0x3C44…93BC opened the emergency summary on 1 Jun 2026, 09:30 (break-glass: the patient was unconscious)')
  })

  it('describes visits and anchors, by the patient or a doctor', () => {
    expect(describeAuditEntry({ ...base, kind: 'visitLogged', actor: doctor, subject: patient, details: null })).toBe('Dr 0x12Aa…0cab opened the history')
    expect(describeAuditEntry({ ...base, kind: 'anchored', actor: patient, subject: patient, details: { root, entryCount: 12n, byDoctor: false } })).toBe(
      'The history was anchored: 12 entries, root 0x5e5e…5e01'
    )
    expect(describeAuditEntry({ ...base, kind: 'anchored', actor: doctor, subject: patient, details: { root, entryCount: 1n, byDoctor: true } })).toBe(
      'Dr 0x12Aa…0cab anchored the history: 1 entry, root 0x5e5e…5e01'
    )
  })
})

describe('toAuditEntry', () => {
  const rpcLog = (topics: readonly unknown[], data: Hex) => ({
    address: '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address,
    blockHash: tx,
    blockNumber: 9n,
    data,
    logIndex: 2,
    removed: false,
    topics: topics.filter((t): t is Hex => typeof t === 'string') as [Hex, ...Hex[]],
    transactionHash: tx,
    transactionIndex: 0
  })

  it('turns a Granted log into a granted entry with its expiry and scope', () => {
    const terms = encodeTerms({ expiry: 1_796_083_200n, scope: { categories: ['conditions', 'medications'], mayWrite: false } })
    const topics = encodeEventTopics({ abi: consentLedgerAbi, eventName: 'Granted', args: { patient, doctor } })
    const [log] = parseEventLogs({ abi: consentLedgerAbi, logs: [rpcLog(topics, encodeAbiParameters([{ type: 'uint256' }], [terms]))] })
    if (log === undefined) throw new Error('no log decoded')
    const entry = toAuditEntry(log, at)
    expect(entry).toMatchObject({ kind: 'granted', actor: patient, subject: doctor, blockNumber: 9n, logIndex: 2, transactionHash: tx, timestamp: at })
    expect(entry.details).toEqual({ expiry: new Date(1_796_083_200_000), scope: { categories: ['conditions', 'medications'], mayWrite: false } })
  })

  it("reads the patient's anonymous anchor event, whose first topic is the patient", () => {
    const data = encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [root, 12n])
    const [log] = parseEventLogs({ abi: consentLedgerAbi, eventName: ['Anchored'], logs: [rpcLog([pad(patient.toLowerCase() as Hex)], data)] })
    if (log === undefined) throw new Error('no log decoded')
    expect(toAuditEntry(log, at)).toMatchObject({ kind: 'anchored', actor: patient, subject: patient, details: { root, entryCount: 12n, byDoctor: false } })
  })

  it("takes a break-glass entry's time from the event itself", () => {
    const topics = encodeEventTopics({ abi: consentLedgerAbi, eventName: 'GlassBroken', args: { patient, clinician } })
    const data = encodeAbiParameters([{ type: 'uint8' }, { type: 'uint64' }], [2, 1_780_300_000n])
    const [log] = parseEventLogs({ abi: consentLedgerAbi, logs: [rpcLog(topics, data)] })
    if (log === undefined) throw new Error('no log decoded')
    expect(toAuditEntry(log, at)).toMatchObject({
      kind: 'glassBroken',
      actor: clinician,
      subject: patient,
      timestamp: new Date(1_780_300_000_000),
      details: { reasonCode: 2, reason: 'the patient could not communicate' }
    })
  })
})
