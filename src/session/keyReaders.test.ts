import { describe, expect, it } from 'vitest'
import type { GrantRecord } from '../chain/index.ts'
import { CATEGORIES, EMERGENCY_CATEGORIES } from '../history/index.ts'
import { chooseReaders } from './keyReaders.ts'

const patient = '0x1111111111111111111111111111111111111111'
const doctor = '0x2222222222222222222222222222222222222222'
const erDoctor = '0x3333333333333333333333333333333333333333'
const guardian = '0x4444444444444444444444444444444444444444'

const grant = (over: Partial<GrantRecord>): GrantRecord => ({
  doctor,
  expiry: new Date(Date.UTC(2027, 0, 1)),
  scope: { categories: [...CATEGORIES], mayWrite: false },
  live: true,
  grantedBy: patient,
  emergency: false,
  blockNumber: 5n,
  transactionHash: `0x${'00'.repeat(32)}`,
  ...over
})

describe('who a new epoch\'s keys go to', () => {
  it('gives a doctor with the patient\'s live grant their granted categories, and a guardian the emergency categories of every epoch', () => {
    const readers = chooseReaders({ grants: [grant({ scope: { categories: ['conditions', 'notes'], mayWrite: true } })], guardians: [guardian] })
    expect(readers).toEqual([
      { address: doctor, role: 'doctor', categories: ['conditions', 'notes'], earlier: false },
      { address: guardian, role: 'guardian', categories: EMERGENCY_CATEGORIES, earlier: true }
    ])
    expect(readers[1]?.categories).not.toContain('notes')
    expect(readers[1]?.categories).not.toContain('reports')
    expect(readers[1]?.categories).not.toContain('familyHistory')
  })

  it('gives a doctor with a live emergency grant only its emergency categories, even when the guardian granted everything', () => {
    const emergency = grant({ doctor: erDoctor, emergency: true, grantedBy: guardian, scope: { categories: [...CATEGORIES], mayWrite: true } })
    expect(chooseReaders({ grants: [emergency], guardians: [] })).toEqual([{ address: erDoctor, role: 'doctor', categories: EMERGENCY_CATEGORIES, earlier: true }])
    // An emergency grant of family history and notes alone opens nothing.
    expect(chooseReaders({ grants: [grant({ doctor: erDoctor, emergency: true, scope: { categories: ['familyHistory', 'notes'], mayWrite: false } })], guardians: [] })).toEqual([])
  })

  it('gives an emergency grantee nothing new once the grant has expired', () => {
    const expired = grant({ doctor: erDoctor, emergency: true, grantedBy: guardian, live: false, scope: { categories: [...EMERGENCY_CATEGORIES], mayWrite: false } })
    expect(chooseReaders({ grants: [expired], guardians: [guardian] }).map((r) => r.address)).toEqual([guardian])
  })

  it('gives a removed guardian nothing: only the guardians the ledger holds now are chosen', () => {
    expect(chooseReaders({ grants: [grant({})], guardians: [] }).map((r) => r.role)).toEqual(['doctor'])
  })

  it('leaves out the doctor whose grant was just revoked', () => {
    expect(chooseReaders({ grants: [grant({}), grant({ doctor: erDoctor })], guardians: [] }, doctor.toUpperCase().replace('0X', '0x')).map((r) => r.address)).toEqual([erDoctor])
  })
})
