import { describe, expect, it } from 'vitest'
import { visitCheckCode, type VisitCheckInput } from './visitCheckCode.ts'

const request: VisitCheckInput = {
  token: 'dG9rZW4tb2YtdGhlLWludml0ZQ',
  patientPeer: '12D3KooWPatientDevice',
  doctorPeer: '12D3KooWDoctorDevice',
  doctor: '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
}

describe('the check code of a visit request', () => {
  it('is six digits grouped by three, the same for the same request whatever the address case', () => {
    expect(visitCheckCode(request)).toMatch(/^\d{3} \d{3}$/)
    expect(visitCheckCode({ ...request, doctor: request.doctor.toLowerCase() })).toBe(visitCheckCode(request))
  })

  it('differs when the invite, either device or the doctor differs', () => {
    const code = visitCheckCode(request)
    for (const change of [{ token: 'another-token' }, { patientPeer: '12D3KooWOther' }, { doctorPeer: '12D3KooWStranger' }, { doctor: '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65' }]) {
      expect(visitCheckCode({ ...request, ...change })).not.toBe(code)
    }
  })
})
