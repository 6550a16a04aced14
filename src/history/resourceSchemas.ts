// The fifteen record types, field by field as FHIR R4 defines them, with what the
// history needs on top: every record names its patient and carries the code it is about.
import type {
  AllergyIntolerance,
  AllergyIntoleranceReaction,
  Basic,
  ClinicalImpression,
  ClinicalImpressionFinding,
  ClinicalImpressionInvestigation,
  Condition,
  ConditionEvidence,
  DiagnosticReport,
  DiagnosticReportMedia,
  DocumentReference,
  DocumentReferenceContent,
  DocumentReferenceContext,
  DocumentReferenceRelatesTo,
  Media,
  Encounter,
  EncounterDiagnosis,
  FamilyMemberHistory,
  FamilyMemberHistoryCondition,
  Immunization,
  MedicationRequest,
  MedicationRequestDispenseRequest,
  MedicationStatement,
  Observation,
  ObservationComponent,
  ObservationReferenceRange,
  Procedure,
  ProcedurePerformer,
  ServiceRequest
} from '@medplum/fhirtypes'
import { ALLERGY_CLINICAL, ALLERGY_VERIFICATION, CONDITION_CLINICAL, CONDITION_VERIFICATION } from './codeSystems.ts'
import {
  AnnotationType,
  AttachmentType,
  checkDate,
  CodeableConceptType,
  CodingType,
  complexType,
  DosageType,
  element,
  elements,
  extensions,
  fail,
  IdentifierType,
  many,
  MetaType,
  NarrativeType,
  one,
  pastDateTime,
  PeriodType,
  QuantityType,
  RangeType,
  RatioType,
  ReferenceType,
  refused,
  code,
  type ComplexType,
  type FieldSpec
} from './fhirDatatypes.ts'
import type { RecordType } from './recordTypes.ts'
import { readSealedFile } from './attachment.ts'

const MODIFIER = refused('modifier extensions change what a record means, and the history cannot show what it does not understand')

const resourceFields = {
  id: one('id'),
  meta: one(MetaType),
  implicitRules: refused('implicit rules change what a record means, and the history cannot follow them'),
  language: one('code'),
  text: one(NarrativeType),
  contained: many('resource'),
  extension: extensions,
  modifierExtension: MODIFIER,
  identifier: many(IdentifierType)
} satisfies Record<string, FieldSpec>

const backboneFields = { id: one('string'), extension: extensions, modifierExtension: MODIFIER } satisfies Record<string, FieldSpec>

const ref = (...targets: string[]): FieldSpec => one(ReferenceType, { targets })
const refs = (...targets: string[]): FieldSpec => many(ReferenceType, { targets })
const subject: FieldSpec = one(ReferenceType, { targets: ['Patient'], subject: true })
const concept = one(CodeableConceptType)
const concepts = many(CodeableConceptType)
const bodySite = one(CodeableConceptType, { bodySite: true })
const bodySites = many(CodeableConceptType, { bodySite: true })
const pastPeriod = one(PeriodType, { past: true })
const PEOPLE = ['Practitioner', 'PractitionerRole', 'Patient', 'RelatedPerson']

const codes = (concept: { coding?: { system?: string; code?: string }[] } | undefined, system: string): string[] =>
  (concept?.coding ?? []).filter((c) => c.system === system).map((c) => c.code ?? '')

const ConditionEvidenceType = complexType<ConditionEvidence>('Condition.evidence', { ...backboneFields, code: concepts, detail: refs() }, {
  check: (evidence, path) => {
    if (evidence.code === undefined && evidence.detail === undefined) fail('MISSING_FIELD', `${path}.code`, 'is missing: evidence needs a code or a detail')
  }
})

const ConditionType = complexType<Condition>(
  'Condition',
  {
    ...resourceFields,
    clinicalStatus: one(CodeableConceptType, { binding: { system: CONDITION_CLINICAL, codes: ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'] } }),
    verificationStatus: one(CodeableConceptType, {
      binding: { system: CONDITION_VERIFICATION, codes: ['unconfirmed', 'provisional', 'differential', 'confirmed', 'refuted', 'entered-in-error'] }
    }),
    category: concepts,
    severity: concept,
    code: concept,
    bodySite: bodySites,
    subject,
    encounter: ref('Encounter'),
    onsetDateTime: pastDateTime,
    onsetAge: one(QuantityType),
    onsetPeriod: pastPeriod,
    onsetRange: one(RangeType),
    onsetString: one('string'),
    abatementDateTime: pastDateTime,
    abatementAge: one(QuantityType),
    abatementPeriod: pastPeriod,
    abatementRange: one(RangeType),
    abatementString: one('string'),
    recordedDate: pastDateTime,
    recorder: ref(...PEOPLE),
    asserter: ref(...PEOPLE),
    stage: elements,
    evidence: many(ConditionEvidenceType),
    note: many(AnnotationType)
  },
  {
    required: ['subject', 'code'],
    choices: [
      ['onsetDateTime', 'onsetAge', 'onsetPeriod', 'onsetRange', 'onsetString'],
      ['abatementDateTime', 'abatementAge', 'abatementPeriod', 'abatementRange', 'abatementString']
    ],
    check: (condition, path) => {
      const clinical = codes(condition.clinicalStatus, CONDITION_CLINICAL)
      const abated = ['abatementDateTime', 'abatementAge', 'abatementPeriod', 'abatementRange', 'abatementString'].some((k) => k in condition)
      // con-4: an abated condition is not active.
      if (abated && clinical.some((c) => ['active', 'recurrence', 'relapse'].includes(c))) {
        fail('INVALID_FIELD', `${path}.clinicalStatus`, 'says the condition is active, but it has an abatement; use inactive, remission or resolved')
      }
      // con-5: no clinical status on a record entered in error.
      if (codes(condition.verificationStatus, CONDITION_VERIFICATION).includes('entered-in-error') && condition.clinicalStatus !== undefined) {
        fail('INVALID_FIELD', `${path}.clinicalStatus`, 'must be left out when the verification status is entered-in-error')
      }
      if (condition.onsetDateTime !== undefined && condition.abatementDateTime !== undefined && condition.abatementDateTime < condition.onsetDateTime && condition.abatementDateTime.length >= 10 && condition.onsetDateTime.length >= 10) {
        fail('INVALID_FIELD', `${path}.abatementDateTime`, 'is before the onset')
      }
    }
  }
)

const ReferenceRangeType = complexType<ObservationReferenceRange>('Observation.referenceRange', {
  ...backboneFields,
  low: one(QuantityType),
  high: one(QuantityType),
  type: concept,
  appliesTo: concepts,
  age: one(RangeType),
  text: one('string')
}, {
  check: (range, path) => {
    const { low, high } = range
    if (low === undefined && high === undefined && range.text === undefined) fail('MISSING_FIELD', `${path}.low`, 'is missing: a reference range needs a low, a high or a text')
    if (low?.value !== undefined && high?.value !== undefined && (low.code ?? low.unit) === (high.code ?? high.unit) && low.value > high.value) {
      fail('INVALID_FIELD', `${path}.low`, `is above the high bound (${low.value} > ${high.value})`)
    }
  }
})

const VALUE_FIELDS = ['valueQuantity', 'valueCodeableConcept', 'valueString', 'valueBoolean', 'valueInteger', 'valueRange', 'valueRatio', 'valueSampledData', 'valueTime', 'valueDateTime', 'valuePeriod'] as const
const valueFields = {
  valueQuantity: one(QuantityType),
  valueCodeableConcept: concept,
  valueString: one('string'),
  valueBoolean: one('boolean'),
  valueInteger: one('integer'),
  valueRange: one(RangeType),
  valueRatio: one(RatioType),
  valueSampledData: element,
  valueTime: one('time'),
  valueDateTime: one('dateTime'),
  valuePeriod: one(PeriodType)
} satisfies Record<(typeof VALUE_FIELDS)[number], FieldSpec>

const ObservationComponentType = complexType<ObservationComponent>(
  'Observation.component',
  { ...backboneFields, code: concept, ...valueFields, dataAbsentReason: concept, interpretation: concepts, referenceRange: many(ReferenceRangeType) },
  { required: ['code'], choices: [[...VALUE_FIELDS]] }
)

const ObservationType = complexType<Observation>(
  'Observation',
  {
    ...resourceFields,
    basedOn: refs('CarePlan', 'DeviceRequest', 'ImmunizationRecommendation', 'MedicationRequest', 'NutritionOrder', 'ServiceRequest'),
    partOf: refs('MedicationAdministration', 'MedicationDispense', 'MedicationStatement', 'Procedure', 'Immunization', 'ImagingStudy'),
    status: code('registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'),
    category: concepts,
    code: concept,
    subject,
    focus: refs(),
    encounter: ref('Encounter'),
    effectiveDateTime: pastDateTime,
    effectivePeriod: pastPeriod,
    effectiveTiming: element,
    effectiveInstant: one('instant', { past: true }),
    issued: one('instant', { past: true }),
    performer: refs('Practitioner', 'PractitionerRole', 'Organization', 'CareTeam', 'Patient', 'RelatedPerson'),
    ...valueFields,
    dataAbsentReason: concept,
    interpretation: concepts,
    note: many(AnnotationType),
    bodySite,
    method: concept,
    specimen: ref('Specimen'),
    device: ref('Device', 'DeviceMetric'),
    referenceRange: many(ReferenceRangeType),
    hasMember: refs('Observation', 'QuestionnaireResponse', 'MolecularSequence'),
    derivedFrom: refs('DocumentReference', 'ImagingStudy', 'Media', 'QuestionnaireResponse', 'Observation', 'MolecularSequence'),
    component: many(ObservationComponentType)
  },
  {
    required: ['status', 'code', 'subject'],
    choices: [['effectiveDateTime', 'effectivePeriod', 'effectiveTiming', 'effectiveInstant'], [...VALUE_FIELDS]],
    check: (observation, path) => {
      // obs-6: a reason for absence only when there is no value.
      if (observation.dataAbsentReason !== undefined && VALUE_FIELDS.some((k) => observation[k] !== undefined)) {
        fail('INVALID_FIELD', `${path}.dataAbsentReason`, 'must be left out when the observation has a value')
      }
    }
  }
)

const MEDICATION = ['medicationCodeableConcept', 'medicationReference'] as const

const MedicationStatementType = complexType<MedicationStatement>(
  'MedicationStatement',
  {
    ...resourceFields,
    basedOn: refs('MedicationRequest', 'CarePlan', 'ServiceRequest'),
    partOf: refs('MedicationAdministration', 'MedicationDispense', 'MedicationStatement', 'Procedure', 'Observation'),
    status: code('active', 'completed', 'entered-in-error', 'intended', 'stopped', 'on-hold', 'unknown', 'not-taken'),
    statusReason: concepts,
    category: concept,
    medicationCodeableConcept: concept,
    medicationReference: ref('Medication'),
    subject,
    context: ref('Encounter', 'EpisodeOfCare'),
    effectiveDateTime: pastDateTime,
    effectivePeriod: pastPeriod,
    dateAsserted: pastDateTime,
    informationSource: ref('Patient', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Organization'),
    derivedFrom: refs(),
    reasonCode: concepts,
    reasonReference: refs('Condition', 'Observation', 'DiagnosticReport'),
    note: many(AnnotationType),
    dosage: many(DosageType)
  },
  { required: ['status', 'subject'], requiredChoices: [[...MEDICATION]], choices: [['effectiveDateTime', 'effectivePeriod']] }
)

const DispenseRequestType = complexType<MedicationRequestDispenseRequest>('MedicationRequest.dispenseRequest', {
  ...backboneFields,
  initialFill: element,
  dispenseInterval: one(QuantityType),
  validityPeriod: one(PeriodType),
  numberOfRepeatsAllowed: one('unsignedInt'),
  quantity: one(QuantityType),
  expectedSupplyDuration: one(QuantityType),
  performer: ref('Organization')
})

const MedicationRequestType = complexType<MedicationRequest>(
  'MedicationRequest',
  {
    ...resourceFields,
    status: code('active', 'on-hold', 'cancelled', 'completed', 'entered-in-error', 'stopped', 'draft', 'unknown'),
    statusReason: concept,
    intent: code('proposal', 'plan', 'order', 'original-order', 'reflex-order', 'filler-order', 'instance-order', 'option'),
    category: concepts,
    priority: code('routine', 'urgent', 'asap', 'stat'),
    doNotPerform: one('boolean'),
    reportedBoolean: one('boolean'),
    reportedReference: ref('Patient', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Organization'),
    medicationCodeableConcept: concept,
    medicationReference: ref('Medication'),
    subject,
    encounter: ref('Encounter'),
    supportingInformation: refs(),
    authoredOn: pastDateTime,
    requester: ref('Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'RelatedPerson', 'Device'),
    performer: ref('Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'Device', 'RelatedPerson', 'CareTeam'),
    performerType: concept,
    recorder: ref('Practitioner', 'PractitionerRole'),
    reasonCode: concepts,
    reasonReference: refs('Condition', 'Observation'),
    instantiatesCanonical: many('canonical'),
    instantiatesUri: many('uri'),
    basedOn: refs('CarePlan', 'MedicationRequest', 'ServiceRequest', 'ImmunizationRecommendation'),
    groupIdentifier: one(IdentifierType),
    courseOfTherapyType: concept,
    insurance: refs('Coverage', 'ClaimResponse'),
    note: many(AnnotationType),
    dosageInstruction: many(DosageType),
    dispenseRequest: one(DispenseRequestType),
    substitution: element,
    priorPrescription: ref('MedicationRequest'),
    detectedIssue: refs('DetectedIssue'),
    eventHistory: refs('Provenance')
  },
  { required: ['status', 'intent', 'subject'], requiredChoices: [[...MEDICATION]], choices: [['reportedBoolean', 'reportedReference']] }
)

const ReactionType = complexType<AllergyIntoleranceReaction>(
  'AllergyIntolerance.reaction',
  {
    ...backboneFields,
    substance: concept,
    manifestation: concepts,
    description: one('string'),
    onset: pastDateTime,
    severity: code('mild', 'moderate', 'severe'),
    exposureRoute: concept,
    note: many(AnnotationType)
  },
  { required: ['manifestation'] }
)

const AllergyIntoleranceType = complexType<AllergyIntolerance>(
  'AllergyIntolerance',
  {
    ...resourceFields,
    clinicalStatus: one(CodeableConceptType, { binding: { system: ALLERGY_CLINICAL, codes: ['active', 'inactive', 'resolved'] } }),
    verificationStatus: one(CodeableConceptType, { binding: { system: ALLERGY_VERIFICATION, codes: ['unconfirmed', 'confirmed', 'refuted', 'entered-in-error'] } }),
    type: code('allergy', 'intolerance'),
    category: many('code', { values: ['food', 'medication', 'environment', 'biologic'] }),
    criticality: code('low', 'high', 'unable-to-assess'),
    code: concept,
    patient: subject,
    encounter: ref('Encounter'),
    onsetDateTime: pastDateTime,
    onsetAge: one(QuantityType),
    onsetPeriod: pastPeriod,
    onsetRange: one(RangeType),
    onsetString: one('string'),
    recordedDate: pastDateTime,
    recorder: ref(...PEOPLE),
    asserter: ref(...PEOPLE),
    lastOccurrence: pastDateTime,
    note: many(AnnotationType),
    reaction: many(ReactionType)
  },
  {
    required: ['patient', 'code'],
    choices: [['onsetDateTime', 'onsetAge', 'onsetPeriod', 'onsetRange', 'onsetString']],
    check: (allergy, path) => {
      const enteredInError = codes(allergy.verificationStatus, ALLERGY_VERIFICATION).includes('entered-in-error')
      // ait-1 and ait-2.
      if (enteredInError && allergy.clinicalStatus !== undefined) fail('INVALID_FIELD', `${path}.clinicalStatus`, 'must be left out when the verification status is entered-in-error')
      if (!enteredInError && allergy.clinicalStatus === undefined) fail('MISSING_FIELD', `${path}.clinicalStatus`, 'is missing: say whether the allergy is active, inactive or resolved')
    }
  }
)

const PerformerType = complexType<ProcedurePerformer>(
  'Procedure.performer',
  { ...backboneFields, function: concept, actor: ref('Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'RelatedPerson', 'Device'), onBehalfOf: ref('Organization') },
  { required: ['actor'] }
)

const ProcedureType = complexType<Procedure>(
  'Procedure',
  {
    ...resourceFields,
    instantiatesCanonical: many('canonical'),
    instantiatesUri: many('uri'),
    basedOn: refs('CarePlan', 'ServiceRequest'),
    partOf: refs('Procedure', 'Observation', 'MedicationAdministration'),
    status: code('preparation', 'in-progress', 'not-done', 'on-hold', 'stopped', 'completed', 'entered-in-error', 'unknown'),
    statusReason: concept,
    category: concept,
    code: concept,
    subject,
    encounter: ref('Encounter'),
    performedDateTime: pastDateTime,
    performedPeriod: pastPeriod,
    performedString: one('string'),
    performedAge: one(QuantityType),
    performedRange: one(RangeType),
    recorder: ref(...PEOPLE),
    asserter: ref(...PEOPLE),
    performer: many(PerformerType),
    location: ref('Location'),
    reasonCode: concepts,
    reasonReference: refs('Condition', 'Observation', 'Procedure', 'DiagnosticReport', 'DocumentReference'),
    bodySite: bodySites,
    outcome: concept,
    report: refs('DiagnosticReport', 'DocumentReference', 'Composition'),
    complication: concepts,
    complicationDetail: refs('Condition'),
    followUp: concepts,
    note: many(AnnotationType),
    focalDevice: elements,
    usedReference: refs('Device', 'Medication', 'Substance'),
    usedCode: concepts
  },
  { required: ['status', 'subject', 'code'], choices: [['performedDateTime', 'performedPeriod', 'performedString', 'performedAge', 'performedRange']] }
)

const ImmunizationType = complexType<Immunization>(
  'Immunization',
  {
    ...resourceFields,
    status: code('completed', 'entered-in-error', 'not-done'),
    statusReason: concept,
    vaccineCode: concept,
    patient: subject,
    encounter: ref('Encounter'),
    occurrenceDateTime: pastDateTime,
    occurrenceString: one('string'),
    recorded: pastDateTime,
    primarySource: one('boolean'),
    reportOrigin: concept,
    location: ref('Location'),
    manufacturer: ref('Organization'),
    lotNumber: one('string'),
    expirationDate: one('date'),
    site: bodySite,
    route: concept,
    doseQuantity: one(QuantityType),
    performer: elements,
    note: many(AnnotationType),
    reasonCode: concepts,
    reasonReference: refs('Condition', 'Observation', 'DiagnosticReport'),
    isSubpotent: one('boolean'),
    subpotentReason: concepts,
    education: elements,
    programEligibility: concepts,
    fundingSource: concept,
    reaction: elements,
    protocolApplied: elements
  },
  { required: ['status', 'vaccineCode', 'patient'], requiredChoices: [['occurrenceDateTime', 'occurrenceString']] }
)

const FamilyConditionType = complexType<FamilyMemberHistoryCondition>(
  'FamilyMemberHistory.condition',
  {
    ...backboneFields,
    code: concept,
    outcome: concept,
    contributedToDeath: one('boolean'),
    onsetAge: one(QuantityType),
    onsetRange: one(RangeType),
    onsetPeriod: one(PeriodType),
    onsetString: one('string'),
    note: many(AnnotationType)
  },
  { required: ['code'], choices: [['onsetAge', 'onsetRange', 'onsetPeriod', 'onsetString']] }
)

const FamilyMemberHistoryType = complexType<FamilyMemberHistory>(
  'FamilyMemberHistory',
  {
    ...resourceFields,
    instantiatesCanonical: many('canonical'),
    instantiatesUri: many('uri'),
    status: code('partial', 'completed', 'entered-in-error', 'health-unknown'),
    dataAbsentReason: concept,
    patient: subject,
    date: pastDateTime,
    name: one('string'),
    relationship: concept,
    sex: concept,
    bornPeriod: pastPeriod,
    bornDate: one('date', { past: true }),
    bornString: one('string'),
    ageAge: one(QuantityType),
    ageRange: one(RangeType),
    ageString: one('string'),
    estimatedAge: one('boolean'),
    deceasedBoolean: one('boolean'),
    deceasedAge: one(QuantityType),
    deceasedRange: one(RangeType),
    deceasedDate: one('date', { past: true }),
    deceasedString: one('string'),
    reasonCode: concepts,
    reasonReference: refs('Condition', 'Observation', 'AllergyIntolerance', 'QuestionnaireResponse', 'DiagnosticReport', 'DocumentReference'),
    note: many(AnnotationType),
    condition: many(FamilyConditionType)
  },
  {
    required: ['status', 'patient', 'relationship'],
    choices: [
      ['bornPeriod', 'bornDate', 'bornString'],
      ['ageAge', 'ageRange', 'ageString'],
      ['deceasedBoolean', 'deceasedAge', 'deceasedRange', 'deceasedDate', 'deceasedString']
    ],
    check: (history, path) => {
      const hasAge = history.ageAge !== undefined || history.ageRange !== undefined || history.ageString !== undefined
      const hasBorn = history.bornPeriod !== undefined || history.bornDate !== undefined || history.bornString !== undefined
      // fhs-1 and fhs-2.
      if (hasAge && hasBorn) fail('INVALID_FIELD', `${path}.age[x]`, 'cannot be given together with born[x]: give one of them')
      if (history.estimatedAge !== undefined && !hasAge) fail('INVALID_FIELD', `${path}.estimatedAge`, 'needs an age[x] to qualify')
    }
  }
)

const MediaType = complexType<DiagnosticReportMedia>('DiagnosticReport.media', { ...backboneFields, comment: one('string'), link: ref('Media') }, { required: ['link'] })

const DiagnosticReportType = complexType<DiagnosticReport>(
  'DiagnosticReport',
  {
    ...resourceFields,
    basedOn: refs('CarePlan', 'ImmunizationRecommendation', 'MedicationRequest', 'NutritionOrder', 'ServiceRequest'),
    status: code('registered', 'partial', 'preliminary', 'final', 'amended', 'corrected', 'appended', 'cancelled', 'entered-in-error', 'unknown'),
    category: concepts,
    code: concept,
    subject,
    encounter: ref('Encounter'),
    effectiveDateTime: pastDateTime,
    effectivePeriod: pastPeriod,
    issued: one('instant', { past: true }),
    performer: refs('Practitioner', 'PractitionerRole', 'Organization', 'CareTeam'),
    resultsInterpreter: refs('Practitioner', 'PractitionerRole', 'Organization', 'CareTeam'),
    specimen: refs('Specimen'),
    result: refs('Observation'),
    imagingStudy: refs('ImagingStudy'),
    media: many(MediaType),
    conclusion: one('string'),
    conclusionCode: concepts,
    presentedForm: many(AttachmentType)
  },
  { required: ['status', 'code', 'subject'], choices: [['effectiveDateTime', 'effectivePeriod']] }
)

const EncounterDiagnosisType = complexType<EncounterDiagnosis>(
  'Encounter.diagnosis',
  { ...backboneFields, condition: ref('Condition', 'Procedure'), use: concept, rank: one('positiveInt') },
  { required: ['condition'] }
)

const EncounterType = complexType<Encounter>(
  'Encounter',
  {
    ...resourceFields,
    status: code('planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'cancelled', 'entered-in-error', 'unknown'),
    statusHistory: elements,
    class: one(CodingType),
    classHistory: elements,
    type: concepts,
    serviceType: concept,
    priority: concept,
    subject,
    episodeOfCare: refs('EpisodeOfCare'),
    basedOn: refs('ServiceRequest'),
    participant: elements,
    appointment: refs('Appointment'),
    period: one(PeriodType),
    length: one(QuantityType),
    reasonCode: concepts,
    reasonReference: refs('Condition', 'Procedure', 'Observation', 'ImmunizationRecommendation'),
    diagnosis: many(EncounterDiagnosisType),
    account: refs('Account'),
    hospitalization: element,
    location: elements,
    serviceProvider: ref('Organization'),
    partOf: ref('Encounter')
  },
  {
    required: ['status', 'class', 'subject'],
    check: (encounter, path, ctx) => {
      // A finished encounter has happened: its start cannot be in the future.
      if (encounter.status === 'finished' && encounter.period?.start !== undefined) checkDate(encounter.period.start, 'dateTime', `${path}.period.start`, ctx, true)
    }
  }
)

const ServiceRequestType = complexType<ServiceRequest>(
  'ServiceRequest',
  {
    ...resourceFields,
    instantiatesCanonical: many('canonical'),
    instantiatesUri: many('uri'),
    basedOn: refs('CarePlan', 'ServiceRequest', 'MedicationRequest'),
    replaces: refs('ServiceRequest'),
    requisition: one(IdentifierType),
    status: code('draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown'),
    intent: code('proposal', 'plan', 'directive', 'order', 'original-order', 'reflex-order', 'filler-order', 'instance-order', 'option'),
    category: concepts,
    priority: code('routine', 'urgent', 'asap', 'stat'),
    doNotPerform: one('boolean'),
    code: concept,
    orderDetail: concepts,
    quantityQuantity: one(QuantityType),
    quantityRatio: one(RatioType),
    quantityRange: one(RangeType),
    subject,
    encounter: ref('Encounter'),
    occurrenceDateTime: one('dateTime'),
    occurrencePeriod: one(PeriodType),
    occurrenceTiming: element,
    asNeededBoolean: one('boolean'),
    asNeededCodeableConcept: concept,
    authoredOn: pastDateTime,
    requester: ref('Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'RelatedPerson', 'Device'),
    performerType: concept,
    performer: refs('Practitioner', 'PractitionerRole', 'Organization', 'CareTeam', 'HealthcareService', 'Patient', 'Device', 'RelatedPerson'),
    locationCode: concepts,
    locationReference: refs('Location'),
    reasonCode: concepts,
    reasonReference: refs('Condition', 'Observation', 'DiagnosticReport', 'DocumentReference'),
    insurance: refs('Coverage', 'ClaimResponse'),
    supportingInfo: refs(),
    specimen: refs('Specimen'),
    bodySite: bodySites,
    note: many(AnnotationType),
    patientInstruction: one('string'),
    relevantHistory: refs('Provenance')
  },
  {
    required: ['status', 'intent', 'subject', 'code'],
    choices: [
      ['quantityQuantity', 'quantityRatio', 'quantityRange'],
      ['occurrenceDateTime', 'occurrencePeriod', 'occurrenceTiming'],
      ['asNeededBoolean', 'asNeededCodeableConcept']
    ]
  }
)

const InvestigationType = complexType<ClinicalImpressionInvestigation>(
  'ClinicalImpression.investigation',
  { ...backboneFields, code: concept, item: refs('Observation', 'QuestionnaireResponse', 'FamilyMemberHistory', 'DiagnosticReport', 'RiskAssessment', 'ImagingStudy', 'Media') },
  { required: ['code'] }
)

const FindingType = complexType<ClinicalImpressionFinding>(
  'ClinicalImpression.finding',
  { ...backboneFields, itemCodeableConcept: concept, itemReference: ref('Condition', 'Observation', 'Media'), basis: one('string') },
  {
    check: (finding, path) => {
      if (finding.itemCodeableConcept === undefined && finding.itemReference === undefined) fail('MISSING_FIELD', `${path}.itemCodeableConcept`, 'is missing: a finding needs a code or a reference')
    }
  }
)

const ClinicalImpressionType = complexType<ClinicalImpression>(
  'ClinicalImpression',
  {
    ...resourceFields,
    status: code('in-progress', 'completed', 'entered-in-error'),
    statusReason: concept,
    code: concept,
    description: one('string'),
    subject,
    encounter: ref('Encounter'),
    effectiveDateTime: pastDateTime,
    effectivePeriod: pastPeriod,
    date: pastDateTime,
    assessor: ref('Practitioner', 'PractitionerRole'),
    previous: ref('ClinicalImpression'),
    problem: refs('Condition', 'AllergyIntolerance'),
    investigation: many(InvestigationType),
    protocol: many('uri'),
    summary: one('string'),
    finding: many(FindingType),
    prognosisCodeableConcept: concepts,
    prognosisReference: refs('RiskAssessment'),
    supportingInfo: refs(),
    note: many(AnnotationType)
  },
  {
    required: ['status', 'subject'],
    choices: [['effectiveDateTime', 'effectivePeriod']],
    check: (impression, path) => {
      if (impression.summary === undefined && impression.description === undefined && impression.finding === undefined && impression.note === undefined) {
        fail('MISSING_FIELD', `${path}.summary`, 'is missing: an outcome needs a summary, a description, findings or a note')
      }
    }
  }
)

// What the patient writes about themself that no clinical type holds (their emergency profile):
// a code says what it is, extensions carry it; the patient alone writes it (src/emergency reads only theirs).
const BasicType = complexType<Basic>(
  'Basic',
  {
    ...resourceFields,
    code: concept,
    subject,
    created: one('date', { past: true }),
    author: ref('Practitioner', 'PractitionerRole', 'Patient', 'RelatedPerson', 'Organization')
  },
  { required: ['code', 'subject'] }
)

// A record that carries a file: the file is sealed and stored as IPFS blocks (src/history/attachment.ts), so
// every attachment must name its sealed file; data inline or a link elsewhere is not kept.
const DocumentReferenceContentType = complexType<DocumentReferenceContent>(
  'DocumentReference.content',
  { ...backboneFields, attachment: one(AttachmentType), format: one(CodingType) },
  { required: ['attachment'], check: (content, path) => void readSealedFile(content.attachment, `${path}.attachment`) }
)

const DocumentReferenceRelatesToType = complexType<DocumentReferenceRelatesTo>(
  'DocumentReference.relatesTo',
  { ...backboneFields, code: code('replaces', 'transforms', 'signs', 'appends'), target: ref('DocumentReference') },
  { required: ['code', 'target'] }
)

const DocumentReferenceContextType = complexType<DocumentReferenceContext>('DocumentReference.context', {
  ...backboneFields,
  encounter: refs('Encounter', 'EpisodeOfCare'),
  event: concepts,
  period: pastPeriod,
  facilityType: concept,
  practiceSetting: concept,
  sourcePatientInfo: ref('Patient'),
  related: refs()
})

const DocumentReferenceType = complexType<DocumentReference>(
  'DocumentReference',
  {
    ...resourceFields,
    masterIdentifier: one(IdentifierType),
    status: code('current', 'superseded', 'entered-in-error'),
    docStatus: code('preliminary', 'final', 'amended', 'entered-in-error'),
    type: concept,
    category: concepts,
    subject,
    date: one('instant', { past: true }),
    author: refs('Practitioner', 'PractitionerRole', 'Organization', 'Device', 'Patient', 'RelatedPerson'),
    authenticator: ref('Practitioner', 'PractitionerRole', 'Organization'),
    custodian: ref('Organization'),
    relatesTo: many(DocumentReferenceRelatesToType),
    description: one('string'),
    securityLabel: concepts,
    content: many(DocumentReferenceContentType),
    context: one(DocumentReferenceContextType)
  },
  { required: ['status', 'content', 'subject'] }
)

const MediaRecordType = complexType<Media>(
  'Media',
  {
    ...resourceFields,
    basedOn: refs('ServiceRequest', 'CarePlan'),
    partOf: refs(),
    status: code('preparation', 'in-progress', 'not-done', 'on-hold', 'stopped', 'completed', 'entered-in-error', 'unknown'),
    type: concept,
    modality: concept,
    view: concept,
    subject,
    encounter: ref('Encounter'),
    createdDateTime: pastDateTime,
    createdPeriod: pastPeriod,
    issued: one('instant', { past: true }),
    operator: ref('Practitioner', 'PractitionerRole', 'Organization', 'CareTeam', 'Patient', 'Device', 'RelatedPerson'),
    reasonCode: concepts,
    bodySite,
    deviceName: one('string'),
    device: ref('Device', 'DeviceMetric'),
    height: one('positiveInt'),
    width: one('positiveInt'),
    frames: one('positiveInt'),
    duration: one('decimal'),
    content: one(AttachmentType),
    note: many(AnnotationType)
  },
  { required: ['status', 'content', 'subject'], choices: [['createdDateTime', 'createdPeriod']], check: (media, path) => void readSealedFile(media.content, `${path}.content`) }
)

/** The schema each record type is validated against (see validateRecord). */
export const RESOURCE_SCHEMAS: Readonly<Record<RecordType, ComplexType>> = {
  Condition: ConditionType,
  Observation: ObservationType,
  MedicationStatement: MedicationStatementType,
  MedicationRequest: MedicationRequestType,
  AllergyIntolerance: AllergyIntoleranceType,
  Procedure: ProcedureType,
  Immunization: ImmunizationType,
  FamilyMemberHistory: FamilyMemberHistoryType,
  DiagnosticReport: DiagnosticReportType,
  Encounter: EncounterType,
  ServiceRequest: ServiceRequestType,
  ClinicalImpression: ClinicalImpressionType,
  Basic: BasicType,
  DocumentReference: DocumentReferenceType,
  Media: MediaRecordType
}
