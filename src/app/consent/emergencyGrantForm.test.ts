import { describe, expect, it } from 'vitest'
import { EMERGENCY_SCOPE } from '../../chain/index.ts'
import { checkEmergencyGrant, MAX_EMERGENCY_HOURS } from './emergencyGrantForm.ts'

const guardian = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
const patient = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const doctor = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

describe("a guardian's emergency grant form", () => {
  it('takes a doctor and up to 72 whole hours, for the emergency categories only, read only', () => {
    expect(MAX_EMERGENCY_HOURS).toBe(72)
    expect(checkEmergencyGrant({ doctor: ` ${doctor.toLowerCase()} `, hours: '72' }, { guardian, patient })).toEqual({ ok: true, doctor, seconds: 72 * 3600 })
    expect(EMERGENCY_SCOPE).toEqual({ categories: ['conditions', 'medications', 'allergies', 'procedures', 'immunizations', 'results'], mayWrite: false })
  })

  it('says what to fix for a malformed doctor, the patient, the guardian, or hours out of range', () => {
    const error = (doctorField: string, hours: string): string | undefined => {
      const checked = checkEmergencyGrant({ doctor: doctorField, hours }, { guardian, patient })
      return checked.ok ? undefined : checked.error
    }
    expect(error('0x1234', '12')).toMatch(/is not an Ethereum address/)
    expect(error(patient.toLowerCase(), '12')).toMatch(/the patient's own address/)
    expect(error(guardian, '12')).toMatch(/your own address/)
    for (const hours of ['0', '73', '1.5', '', 'soon']) expect(error(doctor, hours)).toMatch(/from 1 to 72/)
  })
})
