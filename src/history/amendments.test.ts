import { describe, expect, it } from 'vitest'
import { amendmentTrail, checkAppend, entryKey, latestVersions, recordVersions } from './amendments.ts'
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

  it('a correction by someone other than the record\'s first author or the patient is ignored, and reported with the record', () => {
    const byOther = write(resolved('not my patient'), OTHER_DOCTOR, first)
    expect(latestVersions([first, byOther], { patient })).toEqual([first])
    const [versions] = recordVersions([byOther, first], { patient })
    expect(versions?.trail).toEqual([first])
    expect(versions?.refused).toEqual([{ entry: byOther, reason: `only ${DOCTOR}, who first wrote the record, or the patient may correct it` }])
  })

  it('the patient may correct a doctor\'s entry; without the patient named, nobody but its author may', () => {
    const byPatient = write(resolved('my doctor confirmed it is resolved'), PATIENT, first)
    expect(latestVersions([first, byPatient], { patient })).toEqual([byPatient])
    expect(latestVersions([first, byPatient])).toEqual([first])
  })

  it('the first author may correct the patient\'s correction of their record; another doctor may not correct either', () => {
    const byPatient = write(resolved('resolved, says the patient'), PATIENT, first)
    const byAuthor = write(resolved('resolved, confirmed by the doctor who diagnosed it'), DOCTOR, byPatient)
    const byOther = write(resolved('someone else'), OTHER_DOCTOR, byAuthor)
    const [versions] = recordVersions([byOther, byAuthor, byPatient, first], { patient })
    expect(versions?.trail).toEqual([first, byPatient, byAuthor])
    expect(versions?.latest).toEqual(byAuthor)
    expect(versions?.refused.map((r) => r.entry)).toEqual([byOther])
  })

  it('a correction of an ignored correction is ignored too, and reported with the record aimed at', () => {
    const byOther = write(resolved('not my patient'), OTHER_DOCTOR, first)
    const onTop = write(resolved('still not my patient'), OTHER_DOCTOR, byOther)
    const [versions] = recordVersions([first, byOther, onTop], { patient })
    expect(versions?.latest).toEqual(first)
    expect(versions?.refused).toEqual([
      { entry: byOther, reason: expect.stringContaining('who first wrote the record') as string },
      { entry: onTop, reason: `it corrects entry ${byOther.id}, a correction that does not count` }
    ])
  })

  it('a correction that changes the record type or id does not count, even by its author', () => {
    const otherId = write({ ...resolved('x'), id: 'other-id' }, DOCTOR, first)
    expect(latestVersions([first, otherId], { patient })).toEqual([first])
    const otherType = write({ ...penicillin, id: hypertension.id }, DOCTOR, first)
    const [versions] = recordVersions([first, otherType], { patient })
    expect(versions?.latest).toEqual(first)
    expect(versions?.refused[0]?.reason).toMatch(/change a Condition into a AllergyIntolerance/)
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

  it('a repeated entry counts once', () => {
    expect(latestVersions([first, first, allergy, allergy], { patient })).toEqual([first, allergy])
  })
})

describe('entry ids another writer copies', () => {
  const allergy = write(penicillin, PATIENT)
  // A doctor's entry with the id of the patient's allergy entry, written "earlier".
  const shadow: HistoryEntry = { ...write({ ...penicillin, id: 'no-allergy', note: [{ text: 'no known allergy' }] }, DOCTOR), id: allergy.id, writtenAt: '2001-01-01T00:00:00.000Z' }
  const summary = (entries: HistoryEntry[]) =>
    recordVersions(entries, { patient }).map((v) => ({ root: entryKey(v.root), latest: entryKey(v.latest), copyOf: v.copyOf, refused: v.refused.map((r) => entryKey(r.entry)) }))

  it('an entry is known by its writer and its id', () => {
    expect(entryKey(allergy)).toBe(`${PATIENT}/${allergy.id}`)
    expect(entryKey(shadow)).not.toBe(entryKey(allergy))
  })

  it('never hide or replace the patient\'s record: the copy is a record of its writer\'s, marked as a copy of the patient\'s', () => {
    const records = recordVersions([shadow, allergy], { patient })
    expect(records.map((v) => v.latest)).toEqual([shadow, allergy])
    expect(records.find((v) => v.root === allergy)?.copyOf).toBeUndefined()
    expect(records.find((v) => v.root === shadow)?.copyOf).toBe(PATIENT)
  })

  it('a correction naming the shared id corrects the patient\'s entry, unless its writer has an entry of that id', () => {
    const byPatient = write({ ...penicillin, note: [{ text: 'confirmed by a skin test' }] }, PATIENT, allergy)
    expect(summary([shadow, allergy, byPatient]).find((r) => r.root === entryKey(allergy))?.latest).toBe(entryKey(byPatient))
    // The doctor's "correction" of that id lands on the doctor's own copy, never on the patient's record.
    const byDoctor = write({ ...penicillin, id: 'no-allergy', note: [{ text: 'no allergy at all' }] }, DOCTOR, allergy)
    const records = summary([shadow, allergy, byDoctor])
    expect(records.find((r) => r.root === entryKey(allergy))).toEqual({ root: entryKey(allergy), latest: entryKey(allergy), copyOf: undefined, refused: [] })
    expect(records.find((r) => r.root === entryKey(shadow))?.latest).toBe(entryKey(byDoctor))
    // Without a copy of its own, the doctor's correction aims at the patient's record, and is ignored.
    expect(summary([allergy, byDoctor])).toEqual([{ root: entryKey(allergy), latest: entryKey(allergy), copyOf: undefined, refused: [entryKey(byDoctor)] }])
  })

  it('between two doctors, the earliest written holds the id and the other is the copy', () => {
    const mine = write(hypertension, DOCTOR)
    const theirs: HistoryEntry = { ...write({ ...hypertension, id: 'other' }, OTHER_DOCTOR), id: mine.id }
    expect(recordVersions([theirs, mine], { patient }).find((v) => v.root === theirs)?.copyOf).toBe(DOCTOR)
    expect(recordVersions([theirs, mine], { patient }).find((v) => v.root === mine)?.copyOf).toBeUndefined()
  })

  it('another writer\'s record with the record id ("Type/id") of the patient\'s is a copy too', () => {
    const sameRecordId = { ...write(penicillin, DOCTOR), writtenAt: '2001-01-01T00:00:00.000Z' }
    const records = recordVersions([sameRecordId, allergy], { patient })
    expect(records.find((v) => v.root === sameRecordId)?.copyOf).toBe(PATIENT)
    expect(records.find((v) => v.root === allergy)?.copyOf).toBeUndefined()
  })

  it('give the same records whatever order the entries arrive in', () => {
    const byPatient = write({ ...penicillin, note: [{ text: 'confirmed' }] }, PATIENT, allergy)
    const byDoctor = write({ ...penicillin, note: [{ text: 'crossed out' }] }, OTHER_DOCTOR, allergy)
    const entries = [shadow, allergy, byPatient, byDoctor]
    const expected = summary(entries)
    expect(expected).toEqual([
      { root: entryKey(shadow), latest: entryKey(shadow), copyOf: PATIENT, refused: [] },
      { root: entryKey(allergy), latest: entryKey(byPatient), copyOf: undefined, refused: [entryKey(byDoctor)] }
    ])
    const orders = [entries.slice().reverse(), [byDoctor, shadow, byPatient, allergy], [allergy, byDoctor, shadow, byPatient]]
    for (const order of orders) expect(summary(order)).toEqual(expected)
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
    expect(refusal(() => checkAppend(history, write(resolved('x'), OTHER_DOCTOR, first), { patient })).message).toMatch(/only 0x2222.*, who first wrote the record, or the patient may correct it/)
    expect(refusal(() => checkAppend(history, write({ ...penicillin, id: hypertension.id }, DOCTOR, first), { patient })).message).toMatch(/change a Condition into a AllergyIntolerance/)
    const second = write(resolved('y'), DOCTOR, first)
    const error = refusal(() => checkAppend([first, second], write(resolved('z'), DOCTOR, first), { patient }))
    expect(error.code).toBe('INVALID_AMENDMENT')
    expect(error.message).toContain(`amend its latest version, entry ${second.id}`)
  })

  it('refuses a correction of a correction that does not count, and a new entry with an id any writer used', () => {
    const byOther = write(resolved('not my patient'), OTHER_DOCTOR, first)
    const error = refusal(() => checkAppend([first, byOther], write(resolved('y'), PATIENT, byOther), { patient }))
    expect(error.code).toBe('INVALID_AMENDMENT')
    expect(error.message).toContain('does not count')
    expect(refusal(() => checkAppend(history, { ...write(penicillin, PATIENT), id: first.id }, { patient })).code).toBe('DUPLICATE_ENTRY')
  })
})

describe('recordVersions of one history, asked again', () => {
  const first = write(hypertension, DOCTOR)
  const correction = write(resolved('resolved'), DOCTOR, first)

  it('builds a frozen entries array once per patient, as the views of one redraw ask for it', () => {
    const entries = Object.freeze([first, correction])
    const versions = recordVersions(entries, { patient })
    expect(recordVersions(entries, { patient })).toBe(versions)
    expect(versions[0]?.latest).toBe(correction)
    // Another patient's view of the same entries is built for that patient.
    expect(recordVersions(entries, { patient: DOCTOR })).not.toBe(versions)
  })

  it('builds an array that can still change every time: a correction added to it counts', () => {
    const entries = [first]
    expect(recordVersions(entries, { patient })[0]?.latest).toBe(first)
    entries.push(correction)
    expect(recordVersions(entries, { patient })[0]?.latest).toBe(correction)
  })
})
