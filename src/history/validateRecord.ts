// Every record that enters the history (typed by the patient, written by a doctor,
// arriving from a peer, imported) passes here first. A bad record gets a HistoryError
// that names the field and says what is wrong; nothing about it is stored.
import { fail, isPlainObject, validateComplex, type ValidationContext } from './fhirDatatypes.ts'
import { HistoryError } from './HistoryError.ts'
import { isRecordType, RECORD_TYPES, type HistoryRecord } from './recordTypes.ts'
import { RESOURCE_SCHEMAS } from './resourceSchemas.ts'

/** What {@link validateRecord} checks a record against besides its own fields. */
export interface ValidateRecordOptions {
  /** The present, in ms since 1970: past events may not be dated after it. Default: Date.now(). */
  now?: number
  /**
   * This history's patient as a FHIR Patient id (the lowercase wallet address);
   * when given, a record about anyone else is refused.
   */
  patient?: string
}

/**
 * Checks a value as a history record, field by field against FHIR R4 and the history's own
 * rules, and returns it typed.
 *
 * @throws {HistoryError} `UNKNOWN_RECORD_TYPE` for a resourceType the history does not keep,
 *   `MISSING_FIELD`, `INVALID_FIELD` or `UNKNOWN_FIELD` naming the field at fault, and
 *   `WRONG_PATIENT` when the record is about someone other than `options.patient`.
 */
export function validateRecord(value: unknown, options: ValidateRecordOptions = {}): HistoryRecord {
  if (!isPlainObject(value)) throw new HistoryError('INVALID_FIELD', 'A record must be a FHIR resource (a JSON object).', { field: 'record' })
  const { resourceType, ...fields } = value
  if (!isRecordType(resourceType)) {
    throw new HistoryError(
      'UNKNOWN_RECORD_TYPE',
      `record.resourceType must be one of ${RECORD_TYPES.join(', ')}; got ${typeof resourceType === 'string' ? `"${resourceType}"` : String(resourceType)}.`,
      { field: 'record.resourceType' }
    )
  }
  if (fields.id === undefined) fail('MISSING_FIELD', `${resourceType}.id`, 'is missing: every record needs its logical id, which its corrections keep')
  const ctx: ValidationContext = { now: options.now ?? Date.now(), patient: options.patient }
  validateComplex(fields, RESOURCE_SCHEMAS[resourceType], resourceType, ctx)
  checkContainedReferences(value, resourceType)
  return value as unknown as HistoryRecord
}

/** "#id" references must find a contained resource of the record. */
function checkContainedReferences(record: Record<string, unknown>, path: string): void {
  const contained = new Set(Array.isArray(record.contained) ? record.contained.map((r) => (isPlainObject(r) ? r.id : undefined)) : [])
  // Every field of every record passes here: where it sits is kept as a stack of keys and indexes,
  // and put into words only for a reference that finds nothing.
  const at: (string | number)[] = []
  const where = (): string => at.reduce<string>((words, step) => (typeof step === 'number' ? `${words}[${step}]` : `${words}.${step}`), path)
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        at.push(i)
        visit(value[i])
        at.pop()
      }
      return
    }
    if (!isPlainObject(value)) return
    for (const key of Object.keys(value)) {
      if (key === 'contained') continue
      const item = value[key]
      at.push(key)
      if (key === 'reference' && typeof item === 'string' && item.startsWith('#') && !contained.has(item.slice(1))) {
        fail('INVALID_FIELD', where(), `points at "${item}", but the record contains no resource with that id`)
      }
      visit(item)
      at.pop()
    }
  }
  visit(record)
}
