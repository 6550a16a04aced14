import { describe, expect, it } from 'vitest'
import { amendmentTrail, checkAppend, latestVersions, recordVersions } from './amendments.ts'
import { CONDITION_CLINICAL } from './codeSystems.ts'
import { HistoryError } from './HistoryError.ts'
import { createEntry, type Address, type HistoryEntry } from './historyEntry.ts'
import { DOCTOR, fixtureRecords, NOW, OTHER_DOCTOR, PATIENT } from '../../test/fixtures/recordFixtures.ts'
import type { HistoryRecord } from './recordTypes.ts'

const patient = PATIENT as Address
let minute = 0
function write(record: HistoryRecord, writer: string, amends?: HistoryEntry): HistoryEntry {
  minute += 1
  return createEntry({ record, writer, now: NOW + minute * 60_000, patient: PATIENT, ...(amends === undefined ? {} : { amends: amends.id }) })
}

const { hypertension, penicillin } = fixtureRecords()
const resolved = (note: string): HistoryRecord => ({
  ...hypertension,
  clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'resolved' }] },
  abatementDateTime: '2025-01-01',
  note: [{ text: note }]
})

function refusal(run: () => unknown): HistoryError {
  try {
    run()
  } catch (error) {
    if (error instanceof HistoryError) return error
    throw error
  }
  throw new Error('accepted')
}

describe('corrections', () => {
  const first = write(hypertension, DOCTOR)
  const second = write(resolved('resolved with weight loss'), DOCTOR, first)
  const third = write(resolved('resolved with weight loss and salt reduction'), DOCTOR, second)
  const allergy = write(penicillin, PATIENT)

  it('the view shows the latest version of each record', () => {
    expect(latestVersions([first, second, third, allergy], { patient })).toEqual([third, allergy])
  })

  it('the trail keeps every version, oldest first, whichever entry is asked about', () => {
    expect(amendmentTrail([third, allergy, first, second], first.id, { patient })).toEqual([first, second, third])
    expect(amendmentTrail([third, allergy, first, second], third.id, { patient })).toEqual([first, second, third])
    expect(() => amendmentTrail([first], 'nope')).toThrow(/no entry nope/)
  })

  it('the order entries arrive in does not matter', () => {
    expect(latestVersions([third, second, allergy, first], { patient })).toEqual(latestVersions([first, second, third, allergy], { patient }))
  })

  it('a correction that arrives before the entry it corrects shows until that entry arrives', () => {
    expect(latestVersions([second], { patient })).toEqual([second])
    expect(latestVersions([second, first], { patient })).toEqual([second])
  })

  it('a correction by someone other than the writer or the patient does not count', () => {
    const byOther = write(resolved('not my patient'), OTHER_DOCTOR, first)
    expect(latestVersions([first, byOther], { patient })).toEqual([first, byOther])
    expect(recordVersions([first, byOther], { patient })[0]?.trail).toEqual([first])
  })

  it('the patient may correct a doctor\'s entry', () => {
    const byPatient = write(resolved('my doctor confirmed it is resolved'), PATIENT, first)
    expect(latestVersions([first, byPatient], { patient })).toEqual([byPatient])
    expect(latestVersions([first, byPatient])).toEqual([first, byPatient])
  })

  it('a correction that changes the record type or id does not count', () => {
    const otherId = write({ ...resolved('x'), id: 'other-id' }, DOCTOR, first)
    expect(latestVersions([first, otherId], { patient })).toHaveLength(2)
    const otherType = write({ ...penicillin, id: hypertension.id }, DOCTOR, first)
    expect(latestVersions([first, otherType], { patient })).toHaveLength(2)
  })

  it('two concurrent corrections: the newer shows, the other is reported as a conflict', () => {
    const a = write(resolved('a'), DOCTOR, first)
    const b = write(resolved('b'), PATIENT, first)
    const [versions] = recordVersions([first, a, b], { patient })
    expect(versions?.latest).toEqual(b)
    expect(versions?.conflicts).toEqual([a])
    expect(versions?.trail).toEqual([first, a, b])
  })

  it('a forged cycle of corrections is cut at its oldest entry', () => {
    const a = write(hypertension, DOCTOR)
    const b = write(resolved('b'), DOCTOR, a)
    const forgedA = { ...a, amends: b.id }
    const [versions] = recordVersions([forgedA, b], { patient })
    expect(versions?.root).toEqual(forgedA)
    expect(versions?.latest).toEqual(b)
  })

  it('a repeated entry id counts once', () => {
    expect(latestVersions([first, first, allergy, allergy], { patient })).toEqual([first, allergy])
  })
})

describe('checkAppend', () => {
  const first = write(hypertension, DOCTOR)
  const history = [first]

  it('accepts a new record and a correction of the latest version', () => {
    expect(() => checkAppend(history, write(penicillin, PATIENT), { patient })).not.toThrow()
    expect(() => checkAppend(history, write(resolved('x'), DOCTOR, first), { patient })).not.toThrow()
  })

  it('refuses an entry already there', () => {
    expect(refusal(() => checkAppend(history, first, { patient })).code).toBe('DUPLICATE_ENTRY')
  })

  it('refuses a second record with an id already taken, pointing at the one to amend', () => {
    const error = refusal(() => checkAppend(history, write(resolved('again'), DOCTOR), { patient }))
    expect(error.code).toBe('DUPLICATE_RECORD')
    expect(error.message).toContain(`amending that entry instead`)
    expect(error.message).toContain(first.id)
  })

  it('refuses a correction of an entry that is not there', () => {
    const orphan = { ...write(resolved('x'), DOCTOR), amends: '00000000-0000-4000-8000-000000000000' }
    expect(refusal(() => checkAppend(history, orphan, { patient })).code).toBe('UNKNOWN_ENTRY')
  })

  it('refuses a correction by another doctor, of another type, or of a superseded version, saying why', () => {
    expect(refusal(() => checkAppend(history, write(resolved('x'), OTHER_DOCTOR, first), { patient })).message).toMatch(/only 0x2222.*, who wrote the entry, or the patient may correct it/)
    expect(refusal(() => checkAppend(history, write({ ...penicillin, id: hypertension.id }, DOCTOR, first), { patient })).message).toMatch(/change a Condition into a AllergyIntolerance/)
    const second = write(resolved('y'), DOCTOR, first)
    const error = refusal(() => checkAppend([first, second], write(resolved('z'), DOCTOR, first), { patient }))
    expect(error.code).toBe('INVALID_AMENDMENT')
    expect(error.message).toContain(`amend its latest version, entry ${second.id}`)
  })
})
