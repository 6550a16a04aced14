// A synthetic patient for demos, tests and benchmarks: seventy years of one made-up
// man's life (no real person's data) with chronic and acute conditions, medicines,
// allergies, procedures, results and complete diagnostic chains (request → diagnosis →
// therapy → follow-up → outcome), as the entries of his history, each record built by
// the draft builders a form uses. Seeded and deterministic: the same options give the
// same bytes on every machine.
import type { BodySite } from './bodySite.ts'
import { CVX, LOINC, RXNORM, SNOMED_CT } from './codeSystems.ts'
import { ENTRY_VERSION, type Address, type HistoryEntry } from './historyEntry.ts'
import {
  draftAllergy,
  draftDiagnosis,
  draftFamilyHistory,
  draftFollowUp,
  draftImmunization,
  draftMedication,
  draftOutcome,
  draftPrescription,
  draftProcedure,
  draftReport,
  draftRequest,
  draftResult,
  type ConceptCode,
  type DiagnosisDraft,
  type DraftContext
} from './recordDrafts.ts'
import type { HistoryRecord } from './recordTypes.ts'
import { seededRandom, type Random } from './seededRandom.ts'

/** The demo patient's wallet address: the subject of every demo record. */
export const DEMO_PATIENT: Address = '0xd3e0000000000000000000000000000000000001'
/** Who wrote the demo's records: the patient, a family doctor, a surgeon and a hospital. */
export const DEMO_WRITERS = {
  patient: { address: DEMO_PATIENT, name: 'the patient' },
  gp: { address: '0xd3e00000000000000000000000000000000000a1' as Address, name: 'Dr. Demo Family-Doctor' },
  surgeon: { address: '0xd3e00000000000000000000000000000000000a2' as Address, name: 'Dr. Demo Orthopaedic-Surgeon' },
  hospital: { address: '0xd3e00000000000000000000000000000000000a3' as Address, name: 'Demo General Hospital' }
} as const
/** The demo's "now": every record is dated before it. */
export const DEMO_NOW = Date.UTC(2026, 9, 30, 12, 0, 0)
/** The demo patient's date of birth. */
export const DEMO_BORN = '1956-04-12'
/** The fewest records a demo patient has: his core story. */
export const MIN_DEMO_RECORDS = 50
/** The most records a demo patient has. */
export const MAX_DEMO_RECORDS = 20_000

/** What demoPatient makes. */
export interface DemoPatientOptions {
  /** The seed of the generator; default 1956. */
  seed?: number
  /** How many records (entries, corrections included): 50 to 20,000. Default 400. */
  records?: number
}

/** A demo patient's history: his entries and who wrote them. */
export interface DemoPatient {
  patient: Address
  born: string
  now: number
  writers: { address: Address; name: string }[]
  /** Every entry, corrections included, in the order they were written. */
  entries: HistoryEntry[]
}

type Writer = keyof typeof DEMO_WRITERS
interface Written {
  record: HistoryRecord
  /** When it was written (ms); records from before the app existed were typed in later. */
  at: number
  writer: Writer
  amends?: number
}

const DAY = 86_400_000
const TRANSCRIBED_FROM = Date.UTC(2003, 1, 3)
const concept = (system: string) => (code: string, display: string): ConceptCode => ({ system, code, display })
const sct = concept(SNOMED_CT)
const loinc = concept(LOINC)
const rx = concept(RXNORM)
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
const instant = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`
const LAB = sct('15220000', 'Laboratory test')
const XRAY = sct('363680008', 'Radiographic imaging procedure')
const ULTRASOUND = sct('16310003', 'Diagnostic ultrasonography')
const MRI = sct('113091000', 'Magnetic resonance imaging')
const CHEST_XRAY = sct('399208008', 'Plain chest X-ray')

/** A body site as a draft takes it. */
const site = (code: string, display: string, laterality?: BodySite['laterality']): BodySite => ({ code, display, ...(laterality === undefined ? {} : { laterality }) })

// ── The episodes: each one a whole diagnostic chain ─────────────────────────────

interface EpisodeTemplate {
  condition: ConceptCode
  site?: () => BodySite
  request: { code?: ConceptCode; text: string }
  /** What the request found: a report, or a single result. */
  finding: { report?: string; observation?: { code: ConceptCode; value: number; unit: string; low?: number; high?: number } }
  therapy: { medication?: ConceptCode; dose?: string; procedure?: string; weeks: number }
  outcome: string
  chronic?: boolean
  writer: Writer
}

const side = (random: Random): 'left' | 'right' => (random.chance(0.5) ? 'left' : 'right')

function acuteTemplates(random: Random): EpisodeTemplate[] {
  return [
    {
      condition: sct('44465007', 'Sprain of ankle'),
      site: () => site('344001', 'Ankle region structure', side(random)),
      request: { code: XRAY, text: 'X-ray of the ankle' },
      finding: { report: 'No fracture. Soft tissue swelling over the lateral ligaments.' },
      therapy: { medication: rx('5640', 'Ibuprofen'), dose: '400 mg three times a day with food', weeks: 2 },
      outcome: 'Walking normally after three weeks; no instability.',
      writer: 'gp'
    },
    {
      condition: sct('65363002', 'Otitis media'),
      site: () => site('117590005', 'Ear structure', side(random)),
      request: { text: 'Otoscopy' },
      finding: { report: 'Red, bulging ear drum.' },
      therapy: { medication: rx('3640', 'Doxycycline'), dose: '100 mg twice a day (penicillin allergy)', weeks: 1 },
      outcome: 'Ear drum normal at review; hearing unchanged.',
      writer: 'gp'
    },
    {
      condition: sct('68566005', 'Urinary tract infectious disease'),
      site: () => site('89837001', 'Urinary bladder structure'),
      request: { code: LAB, text: 'Urine culture' },
      finding: { report: 'E. coli, more than 100,000 CFU/mL, sensitive to nitrofurantoin.' },
      therapy: { medication: rx('7454', 'Nitrofurantoin'), dose: '100 mg twice a day for five days', weeks: 1 },
      outcome: 'Symptoms gone; repeat urine test clear.',
      writer: 'gp'
    },
    {
      condition: sct('10509002', 'Acute bronchitis'),
      site: () => site('39607008', 'Lung structure'),
      request: { code: CHEST_XRAY, text: 'Chest X-ray' },
      finding: { report: 'Clear lung fields; no consolidation.' },
      therapy: { medication: rx('161', 'Acetaminophen'), dose: '1 g up to four times a day', weeks: 2 },
      outcome: 'Cough settled in three weeks.',
      writer: 'gp'
    },
    {
      condition: sct('279039007', 'Low back pain'),
      site: () => site('52612000', 'Lumbar region structure'),
      request: { code: XRAY, text: 'X-ray of the lumbar spine' },
      finding: { report: 'Mild degenerative change at L4/L5; no fracture.' },
      therapy: { procedure: 'Physiotherapy, six sessions', weeks: 6 },
      outcome: 'Back pain much better; exercises continued at home.',
      writer: 'gp'
    },
    {
      condition: sct('202855006', 'Lateral epicondylitis'),
      site: () => site('127949000', 'Elbow region structure', side(random)),
      request: { code: ULTRASOUND, text: 'Ultrasound of the elbow' },
      finding: { report: 'Thickened common extensor origin.' },
      therapy: { procedure: 'Physiotherapy and a forearm brace', weeks: 8 },
      outcome: 'Grip without pain after two months.',
      writer: 'gp'
    },
    {
      condition: sct('90560007', 'Gout'),
      site: () => site('56459004', 'Foot structure', side(random)),
      request: { code: LAB, text: 'Serum uric acid' },
      finding: { observation: { code: loinc('3084-1', 'Urate [Mass/volume] in Serum or Plasma'), value: 9.1, unit: 'mg/dL', low: 3.5, high: 7.2 } },
      therapy: { medication: rx('2683', 'Colchicine'), dose: '500 micrograms twice a day', weeks: 1 },
      outcome: 'Flare settled within a week.',
      writer: 'gp'
    },
    {
      condition: sct('9826008', 'Conjunctivitis'),
      site: () => site('81745001', 'Structure of eye proper', side(random)),
      request: { text: 'Eye swab' },
      finding: { report: 'No bacterial growth.' },
      therapy: { medication: rx('161', 'Acetaminophen'), dose: 'as needed; cool compresses', weeks: 1 },
      outcome: 'Eye clear after a week.',
      writer: 'gp'
    },
    {
      condition: sct('37796009', 'Migraine'),
      site: () => site('69536005', 'Head structure'),
      request: { text: 'Neurological review' },
      finding: { report: 'Normal neurological examination.' },
      therapy: { medication: rx('5640', 'Ibuprofen'), dose: '400 mg at the start of an attack', weeks: 12 },
      outcome: 'Attacks down to one a month.',
      writer: 'gp'
    },
    {
      condition: sct('57406009', 'Carpal tunnel syndrome'),
      site: () => site('85562004', 'Hand structure', side(random)),
      request: { text: 'Nerve conduction study' },
      finding: { report: 'Slowed median nerve conduction at the wrist.' },
      therapy: { procedure: 'Night splint, then carpal tunnel release', weeks: 10 },
      outcome: 'Numbness gone; full grip strength.',
      writer: 'surgeon'
    },
    {
      condition: sct('202882003', 'Plantar fasciitis'),
      site: () => site('56459004', 'Foot structure', side(random)),
      request: { code: ULTRASOUND, text: 'Ultrasound of the heel' },
      finding: { report: 'Thickened plantar fascia, 6 mm.' },
      therapy: { procedure: 'Stretching programme and insoles', weeks: 12 },
      outcome: 'Heel pain gone after three months.',
      writer: 'gp'
    },
    {
      condition: sct('36971009', 'Sinusitis'),
      site: () => site('45206002', 'Nasal structure'),
      request: { code: XRAY, text: 'Sinus X-ray' },
      finding: { report: 'Fluid level in the left maxillary sinus.' },
      therapy: { medication: rx('3640', 'Doxycycline'), dose: '100 mg a day for seven days', weeks: 1 },
      outcome: 'Symptoms resolved.',
      writer: 'gp'
    },
    {
      condition: sct('235595009', 'Gastroesophageal reflux disease'),
      site: () => site('69695003', 'Stomach structure'),
      request: { text: 'Upper gastrointestinal endoscopy' },
      finding: { report: 'Mild oesophagitis; no Barrett change.' },
      therapy: { medication: rx('7646', 'Omeprazole'), dose: '20 mg every morning', weeks: 8 },
      outcome: 'Heartburn controlled; omeprazole stopped.',
      writer: 'hospital'
    },
    {
      condition: sct('40275004', 'Contact dermatitis'),
      site: () => site('14975008', 'Forearm structure', side(random)),
      request: { text: 'Patch testing' },
      finding: { report: 'Positive to nickel.' },
      therapy: { medication: rx('8638', 'Prednisolone'), dose: 'cream twice a day', weeks: 2 },
      outcome: 'Rash cleared; avoids nickel.',
      writer: 'gp'
    },
    {
      condition: sct('25374005', 'Gastroenteritis'),
      site: () => site('113345001', 'Abdominal structure'),
      request: { code: LAB, text: 'Blood tests and stool culture' },
      finding: { observation: { code: loinc('1988-5', 'C reactive protein [Mass/volume] in Serum or Plasma'), value: 24, unit: 'mg/L', high: 5 } },
      therapy: { medication: rx('161', 'Acetaminophen'), dose: 'oral fluids and rest', weeks: 1 },
      outcome: 'Recovered in five days.',
      writer: 'gp'
    }
  ]
}

// ── Building records ─────────────────────────────────────────────────────────────

class RecordLog {
  readonly written: Written[] = []
  readonly random: Random
  private next = 0
  constructor(random: Random) {
    this.random = random
  }

  /** A draft builder's context for a new record, known as of `now` (to the second, as the demo's dates are). */
  context(kind: string, now: number): DraftContext & { id: string } {
    this.next += 1
    return { patient: DEMO_PATIENT, now: Math.floor(now / 1000) * 1000, id: `${kind}-${this.next}` }
  }

  add(record: HistoryRecord, dated: number, writer: Writer): number {
    const typedLater = dated < TRANSCRIBED_FROM
    const at = typedLater ? TRANSCRIBED_FROM + this.random.int(0, 400) * DAY + this.random.int(0, 36_000_000) : dated + this.random.int(600_000, 7_200_000)
    this.written.push({ record, at: Math.min(at, DEMO_NOW - 3_600_000), writer: typedLater ? 'patient' : writer })
    return this.written.length - 1
  }

  amend(index: number, record: HistoryRecord, at: number, writer: Writer): void {
    this.written.push({ record, at: Math.min(at, DEMO_NOW - 3_600_000), writer, amends: index })
  }
}

interface EpisodeInput {
  template: EpisodeTemplate
  start: number
  bodySite?: BodySite
  /** The condition is still active at the end of the history. */
  active?: boolean
}

interface Episode {
  /** The diagnosis's record id. */
  condition: string
  /** Its index in the log, and the draft and context it was built from, for a later correction. */
  index: number
  diagnosis: Omit<DiagnosisDraft, 'kind'>
  context: DraftContext
}

const ref = (type: string, id: string): string => `${type}/${id}`

/** One whole diagnostic chain: request → finding → diagnosis → therapy → follow-up (visit + result) → outcome. */
function addEpisode(log: RecordLog, input: EpisodeInput): Episode {
  const { template, start } = input
  const { random } = log
  const bodySite = input.bodySite ?? template.site?.()
  const sites = bodySite === undefined ? {} : { bodySite }
  const diagnosed = start + random.int(2, 12) * DAY
  const therapyStart = diagnosed + random.int(0, 3) * DAY
  const therapyEnd = therapyStart + template.therapy.weeks * 7 * DAY
  const review = therapyEnd + random.int(7, 30) * DAY
  const active = input.active === true || template.chronic === true

  const request = draftRequest(
    { what: template.request.text, ...(template.request.code === undefined ? {} : { coding: template.request.code }), status: 'completed', reason: template.condition.display, ...sites },
    log.context('request', start)
  )
  log.add(request, start, template.writer)
  const requestRef = ref('ServiceRequest', request.id ?? '')

  let evidence: string
  if (template.finding.observation !== undefined) {
    const o = template.finding.observation
    const observation = draftResult(
      {
        coding: o.code,
        category: 'laboratory',
        value: Math.round(o.value * (0.9 + random.next() * 0.2) * 10) / 10,
        unit: o.unit,
        ...(o.low === undefined ? {} : { low: o.low }),
        ...(o.high === undefined ? {} : { high: o.high }),
        effective: instant(start + DAY),
        linksTo: requestRef
      },
      log.context('result', start + DAY)
    )
    log.add(observation, start + DAY, template.writer)
    evidence = ref('Observation', observation.id ?? '')
  } else {
    const report = draftReport(
      { what: template.request.text, conclusion: template.finding.report ?? '', effective: instant(start + DAY), linksTo: requestRef },
      log.context('report', start + 2 * DAY)
    )
    log.add(report, start + 2 * DAY, template.writer)
    evidence = ref('DiagnosticReport', report.id ?? '')
  }

  // A resolved diagnosis is known as such from its review on.
  const diagnosis: Omit<DiagnosisDraft, 'kind'> = {
    coding: template.condition,
    text: template.condition.display,
    onset: day(diagnosed),
    ...(active ? {} : { resolved: day(review) }),
    ...sites,
    linksTo: evidence
  }
  const diagnosisContext = log.context('condition', active ? diagnosed : review)
  const condition = draftDiagnosis(diagnosis, diagnosisContext)
  const index = log.add(condition, diagnosed, template.writer)
  const conditionRef = ref('Condition', diagnosisContext.id)

  let therapyRef: string
  if (template.therapy.medication !== undefined) {
    const medication = draftPrescription(
      {
        medicine: template.therapy.medication.display,
        coding: template.therapy.medication,
        dose: template.therapy.dose ?? '',
        status: active ? 'active' : 'completed',
        ...(active ? {} : { until: day(therapyEnd) }),
        linksTo: conditionRef
      },
      log.context('medication', therapyStart)
    )
    log.add(medication, therapyStart, template.writer)
    therapyRef = ref('MedicationRequest', medication.id ?? '')
  } else {
    const procedure = draftProcedure(
      { what: template.therapy.procedure ?? '', performed: day(therapyStart), performedUntil: day(therapyEnd), ...sites, linksTo: conditionRef },
      log.context('procedure', therapyStart)
    )
    log.add(procedure, therapyStart, template.writer)
    therapyRef = ref('Procedure', procedure.id ?? '')
  }

  const visit = draftFollowUp({ date: instant(review), until: instant(review + 1_200_000), linksTo: conditionRef }, log.context('visit', review))
  log.add(visit, review, template.writer)
  const visitRef = ref('Encounter', visit.id ?? '')

  // A result follows a prescription (basedOn) or is part of a procedure's follow-up (partOf).
  const pain = draftResult(
    {
      coding: loinc('72514-3', 'Pain severity - 0-10 verbal numeric rating [Score] - Reported'),
      score: active ? random.int(3, 5) : random.int(0, 2),
      effective: instant(review + 300_000),
      encounter: visitRef,
      linksTo: therapyRef
    },
    log.context('result', review + 300_000)
  )
  log.add(pain, review + 300_000, template.writer)

  const outcome = draftOutcome(
    { result: 'improved', problem: conditionRef, summary: template.outcome, date: instant(review + 900_000), linksTo: visitRef },
    log.context('outcome', review + 900_000)
  )
  log.add(outcome, review + 900_000, template.writer)
  return { condition: diagnosisContext.id, index, diagnosis, context: diagnosisContext }
}

function immunization(log: RecordLog, vaccine: { code: string; display: string }, at: number, arm?: 'left' | 'right'): void {
  const record = draftImmunization(
    {
      vaccine: vaccine.display,
      coding: { system: CVX, ...vaccine },
      date: day(at),
      ...(arm === undefined ? {} : { site: site(arm === 'left' ? '368208006' : '368209003', arm === 'left' ? 'Left upper arm structure' : 'Right upper arm structure') })
    },
    log.context('immunization', at)
  )
  log.add(record, at, 'gp')
}

interface Series {
  code: ConceptCode
  unit: string
  ucum: string
  mean: number
  spread: number
  low?: number
  high?: number
  /** Decimals the value is reported to, as a lab or a sphygmomanometer reports it. */
  decimals: number
  vital?: boolean
}

// Reference ranges as a lab or clinic would print them: HbA1c's interval for adults
// without diabetes (not the 6.5 % diagnostic cut-off), systolic pressure up to the
// 140 mmHg office threshold for hypertension, total cholesterol as an upper limit only.
// Body weight has none.
const SERIES: readonly Series[] = [
  { code: loinc('8480-6', 'Systolic blood pressure'), unit: 'mmHg', ucum: 'mm[Hg]', mean: 138, spread: 14, low: 90, high: 140, decimals: 0, vital: true },
  { code: loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'), unit: '%', ucum: '%', mean: 7.1, spread: 0.7, low: 4, high: 5.6, decimals: 1 },
  { code: loinc('2160-0', 'Creatinine [Mass/volume] in Serum or Plasma'), unit: 'mg/dL', ucum: 'mg/dL', mean: 1.05, spread: 0.2, low: 0.7, high: 1.3, decimals: 2 },
  { code: loinc('2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma'), unit: 'mg/dL', ucum: 'mg/dL', mean: 205, spread: 25, high: 200, decimals: 0 },
  { code: loinc('29463-7', 'Body weight'), unit: 'kg', ucum: 'kg', mean: 86, spread: 4, decimals: 1, vital: true }
]

function result(log: RecordLog, series: Series, at: number, focus?: string): void {
  const scale = 10 ** series.decimals
  const value = Math.round((series.mean + (log.random.next() - 0.5) * 2 * series.spread) * scale) / scale
  const record = draftResult(
    {
      coding: series.code,
      category: series.vital === true ? 'vital-signs' : 'laboratory',
      value,
      unit: series.unit,
      ucum: series.ucum,
      ...(series.low === undefined ? {} : { low: series.low }),
      ...(series.high === undefined ? {} : { high: series.high }),
      effective: instant(at),
      ...(focus === undefined ? {} : { linksTo: ref('Condition', focus) })
    },
    log.context('result', at)
  )
  log.add(record, at, 'gp')
}

// ── The life story ───────────────────────────────────────────────────────────────

const t = (date: string): number => Date.parse(`${date}T09:00:00Z`)

/** The story every demo patient shares, in order of importance: fits in 50 records. */
function coreStory(log: RecordLog): { hypertension: string; diabetes: string; kneeOa: Episode } {
  const leftKnee = site('72696002', 'Knee region structure', 'left')

  // Left knee: a torn meniscus (resolved), years later osteoarthritis (active).
  addEpisode(log, {
    start: t('2015-05-04'),
    bodySite: leftKnee,
    template: {
      condition: sct('239720000', 'Tear of meniscus of knee'),
      request: { code: MRI, text: 'MRI of the left knee' },
      finding: { report: 'Bucket-handle tear of the medial meniscus.' },
      therapy: { procedure: 'Arthroscopic partial meniscectomy, left knee', weeks: 6 },
      outcome: 'Full range of motion; back to walking 10 km.',
      writer: 'surgeon'
    }
  })
  const kneeOa = addEpisode(log, {
    start: t('2024-03-01'),
    bodySite: leftKnee,
    active: true,
    template: {
      condition: sct('239873007', 'Osteoarthritis of knee'),
      request: { code: MRI, text: 'MRI of the left knee' },
      finding: { report: 'Medial compartment cartilage loss.' },
      therapy: { medication: rx('5640', 'Ibuprofen'), dose: '400 mg up to three times a day with food', weeks: 12 },
      outcome: 'Pain down from 7 to 4; walking without a stick.',
      writer: 'surgeon'
    }
  })

  const hypertension = addEpisode(log, {
    start: t('2004-09-13'),
    active: true,
    template: {
      condition: sct('38341003', 'Hypertensive disorder'),
      site: () => site('80891009', 'Heart structure'),
      request: { code: ULTRASOUND, text: '24-hour blood pressure monitoring' },
      finding: { observation: { code: loinc('8480-6', 'Systolic blood pressure'), value: 162, unit: 'mmHg' } },
      therapy: { medication: rx('17767', 'Amlodipine'), dose: '5 mg every morning', weeks: 52 },
      outcome: 'Blood pressure at target on amlodipine.',
      chronic: true,
      writer: 'gp'
    }
  }).condition
  const diabetes = addEpisode(log, {
    start: t('2011-02-21'),
    active: true,
    template: {
      condition: sct('44054006', 'Diabetes mellitus type 2'),
      site: () => site('15776009', 'Pancreatic structure'),
      request: { code: LAB, text: 'HbA1c and fasting glucose' },
      finding: { observation: { code: loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'), value: 7.9, unit: '%', low: 4, high: 5.6 } },
      therapy: { medication: rx('6809', 'Metformin'), dose: '500 mg twice a day with meals', weeks: 52 },
      outcome: 'HbA1c down to 6.8 % on metformin.',
      chronic: true,
      writer: 'gp'
    }
  }).condition

  const allergy = draftAllergy(
    { substance: 'Penicillin', coding: sct('91936005', 'Allergy to penicillin'), category: 'medication', criticality: 'high', reaction: 'Urticaria', onset: '1975' },
    log.context('allergy', t('1975-06-01'))
  )
  log.add(allergy, t('1975-06-01'), 'patient')

  const father = draftFamilyHistory(
    { relative: 'father', condition: 'Myocardial infarction', coding: sct('22298006', 'Myocardial infarction'), onsetAge: 61, born: '1928', deceased: true, causeOfDeath: true },
    log.context('family', t('2003-02-03'))
  )
  log.add(father, t('2003-02-03'), 'patient')

  addEpisode(log, {
    start: t('1970-08-10'),
    template: {
      condition: sct('74400008', 'Appendicitis'),
      site: () => site('66754008', 'Appendix structure'),
      request: { code: LAB, text: 'Full blood count' },
      finding: { observation: { code: loinc('6690-2', 'Leukocytes [#/volume] in Blood by Automated count'), value: 15.2, unit: '10*3/uL', low: 4, high: 11 } },
      therapy: { procedure: 'Appendectomy', weeks: 1 },
      outcome: 'Wound healed; back at school in three weeks.',
      writer: 'hospital'
    }
  })
  const amlodipine = draftMedication(
    { medicine: 'Amlodipine', coding: rx('17767', 'Amlodipine'), dose: '5 mg every morning', since: '2004-10-01', linksTo: ref('Condition', hypertension) },
    log.context('medication', t('2004-10-01'))
  )
  log.add(amlodipine, t('2004-10-01'), 'gp')
  addEpisode(log, {
    start: t('1978-01-16'),
    template: {
      condition: sct('65966004', 'Fracture of forearm'),
      site: () => site('14975008', 'Forearm structure', 'right'),
      request: { code: XRAY, text: 'X-ray of the right forearm' },
      finding: { report: 'Displaced fracture of the distal radius.' },
      therapy: { procedure: 'Closed reduction and plaster cast', weeks: 6 },
      outcome: 'Fracture united; full wrist movement.',
      writer: 'hospital'
    }
  })
  immunization(log, { code: '140', display: 'Influenza, seasonal, injectable, preservative free' }, t('2025-10-14'), 'left')
  immunization(log, { code: '09', display: 'Td (adult), adsorbed' }, t('2012-03-05'), 'left')
  return { hypertension, diabetes, kneeOa }
}

const EXTRA_STORY: readonly ((log: RecordLog) => void)[] = [
  (log) => {
    addEpisode(log, {
      start: t('2009-11-02'),
      template: {
        condition: sct('95570007', 'Kidney stone'),
        site: () => site('64033007', 'Kidney structure', 'right'),
        request: { code: XRAY, text: 'CT of the kidneys, ureters and bladder' },
        finding: { report: '6 mm stone at the right pelviureteric junction.' },
        therapy: { procedure: 'Shock-wave lithotripsy', weeks: 2 },
        outcome: 'Stone fragments passed; no recurrence.',
        writer: 'hospital'
      }
    })
  },
  (log) => {
    addEpisode(log, {
      start: t('2019-01-21'),
      template: {
        condition: sct('233604007', 'Pneumonia'),
        site: () => site('39607008', 'Lung structure', 'right'),
        request: { code: CHEST_XRAY, text: 'Chest X-ray' },
        finding: { report: 'Consolidation in the right lower lobe.' },
        therapy: { medication: rx('3640', 'Doxycycline'), dose: '200 mg then 100 mg a day (penicillin allergy)', weeks: 1 },
        outcome: 'Chest X-ray clear at six weeks.',
        writer: 'gp'
      }
    })
  },
  (log) => {
    addEpisode(log, {
      start: t('2021-06-07'),
      template: {
        condition: sct('193570009', 'Cataract'),
        site: () => site('81745001', 'Structure of eye proper', 'left'),
        request: { code: sct('36228007', 'Ophthalmic examination and evaluation'), text: 'Slit-lamp examination' },
        finding: { report: 'Dense nuclear cataract, left eye; visual acuity 6/24.' },
        therapy: { procedure: 'Cataract extraction with lens implant, left eye', weeks: 1 },
        outcome: 'Visual acuity 6/6 in the left eye.',
        writer: 'hospital'
      }
    })
  },
  (log) => {
    addEpisode(log, {
      start: t('2022-09-12'),
      template: {
        condition: sct('254701007', 'Basal cell carcinoma of skin'),
        site: () => site('77568009', 'Back structure, including back of neck'),
        request: { text: 'Skin biopsy' },
        finding: { report: 'Nodular basal cell carcinoma, 8 mm.' },
        therapy: { procedure: 'Excision of the lesion with 4 mm margins', weeks: 2 },
        outcome: 'Margins clear; yearly skin checks.',
        writer: 'hospital'
      }
    })
  }
]

function vaccinations(log: RecordLog, budget: number): void {
  const schedule: [string, string, string][] = [
    ['1956-07-15', '01', 'DTP'],
    ['1957-03-10', '02', 'poliovirus vaccine, live, oral'],
    ['1958-05-02', '75', 'vaccinia (smallpox)'],
    ['1992-04-02', '09', 'Td (adult), adsorbed'],
    ['2021-03-18', '208', 'COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose'],
    ['2021-10-20', '33', 'pneumococcal polysaccharide vaccine, 23 valent'],
    ['2022-05-09', '187', 'zoster vaccine recombinant']
  ]
  for (const [date, code, display] of schedule.slice(0, budget)) immunization(log, { code, display }, t(date), log.random.chance(0.5) ? 'left' : 'right')
}

// ── Entries ──────────────────────────────────────────────────────────────────────

function toEntries(log: RecordLog): HistoryEntry[] {
  const ids = log.written.map(() => log.random.uuid())
  return log.written
    .map((written, index): HistoryEntry => {
      const id = ids[index] ?? ''
      const amends = written.amends === undefined ? undefined : ids[written.amends]
      return {
        v: ENTRY_VERSION,
        id,
        record: written.record,
        writer: DEMO_WRITERS[written.writer].address,
        writtenAt: new Date(Math.round(written.at)).toISOString(),
        ...(amends === undefined ? {} : { amends })
      }
    })
    .sort((a, b) => (a.writtenAt < b.writtenAt ? -1 : a.writtenAt > b.writtenAt ? 1 : a.id < b.id ? -1 : 1))
}

/**
 * The demo patient's history with `records` entries (50 to 20,000, corrections included),
 * the same for the same options on every machine.
 * @throws RangeError when `records` is not a whole number from 50 to 20,000.
 */
export function demoPatient(options: DemoPatientOptions = {}): DemoPatient {
  const records = options.records ?? 400
  if (!Number.isInteger(records) || records < MIN_DEMO_RECORDS || records > MAX_DEMO_RECORDS) {
    throw new RangeError(`A demo patient has ${MIN_DEMO_RECORDS} to ${MAX_DEMO_RECORDS} records; asked for ${records}.`)
  }
  const random = seededRandom(options.seed ?? 1956)
  const log = new RecordLog(random)
  const { hypertension, diabetes, kneeOa } = coreStory(log)

  // A correction by the surgeon: the knee's osteoarthritis is graded after the review.
  const oa = log.written[kneeOa.index]
  if (oa !== undefined) {
    const graded = oa.at + 40 * DAY
    const corrected = draftDiagnosis({ ...kneeOa.diagnosis, severity: 'moderate', note: 'Kellgren–Lawrence grade 3 on the standing X-ray.' }, { ...kneeOa.context, now: graded })
    log.amend(kneeOa.index, corrected, graded, 'surgeon')
  }
  for (const add of EXTRA_STORY) {
    if (log.written.length + 7 > records) break
    add(log)
  }
  vaccinations(log, Math.max(0, records - log.written.length - 2))

  // Fill up to the size asked for: more acute episodes across a lifetime, and the
  // routine results and flu shots of a man with hypertension and diabetes.
  const templates = acuteTemplates(random)
  const born = t(DEMO_BORN)
  const lastStart = DEMO_NOW - 200 * DAY
  while (log.written.length < records) {
    const left = records - log.written.length
    const roll = random.next()
    if (left >= 7 && roll < 0.25) {
      const start = born + 4 * 365 * DAY + random.next() * (lastStart - born - 4 * 365 * DAY)
      addEpisode(log, { template: random.pick(templates), start })
    } else if (roll < 0.3) {
      const year = random.int(2000, 2025)
      immunization(log, { code: '140', display: 'Influenza, seasonal, injectable, preservative free' }, Date.UTC(year, 9, random.int(1, 28), 10), random.chance(0.5) ? 'left' : 'right')
    } else {
      const series = random.pick(SERIES)
      const at = t('2004-10-01') + random.next() * (DEMO_NOW - 2 * DAY - t('2004-10-01'))
      const focus = series.code.code === '4548-4' ? (at > t('2011-03-01') ? diabetes : undefined) : series.vital === true ? hypertension : undefined
      result(log, series, at, focus)
    }
  }
  return {
    patient: DEMO_PATIENT,
    born: DEMO_BORN,
    now: DEMO_NOW,
    writers: Object.values(DEMO_WRITERS).map((w) => ({ address: w.address, name: w.name })),
    entries: toEntries(log)
  }
}
