// The doctor's record of where each patient's device was reached, over an in-memory storage.
import { describe, expect, it } from 'vitest'
import { createPatientDevices, type DeviceStorage } from './patientDevices.ts'
import { VisitError } from './visitError.ts'

const PATIENT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const DEVICE = { peer: '12D3KooWPatient', address: '/ip4/10.233.0.1/tcp/39091/ws/p2p/12D3KooWRelay/p2p-circuit/webrtc/p2p/12D3KooWPatient' }

function memoryStorage(): DeviceStorage & { items: Map<string, string> } {
  const items = new Map<string, string>()
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) }
}

describe('patient devices', () => {
  it('remembers where a patient was reached, whatever the case of their address, and across instances over the same storage', () => {
    const storage = memoryStorage()
    createPatientDevices(storage).remember(PATIENT, DEVICE)
    expect(createPatientDevices(storage).device(PATIENT.toLowerCase())).toEqual(DEVICE)
    expect(createPatientDevices(storage).device('0x0000000000000000000000000000000000000001')).toBeUndefined()
  })

  it('says reachable only with a direct connection to that device, and unknown when no visit reached it', () => {
    const devices = createPatientDevices(memoryStorage())
    expect(devices.reachable({ hasDirectConnection: () => true }, PATIENT)).toBeUndefined()
    devices.remember(PATIENT, DEVICE)
    expect(devices.reachable({ hasDirectConnection: (peer) => peer === DEVICE.peer }, PATIENT)).toBe(true)
    expect(devices.reachable({ hasDirectConnection: () => false }, PATIENT)).toBe(false)
    expect(devices.reachable(undefined, PATIENT)).toBe(false)
  })

  it('dials the remembered address, and says when there is none', async () => {
    const devices = createPatientDevices(memoryStorage())
    await expect(devices.connect({ dial: () => Promise.resolve({ direct: true }) }, PATIENT)).rejects.toThrow(new VisitError('NO_DEVICE', 'No visit has reached this patient’s device yet.'))
    devices.remember(PATIENT, DEVICE)
    const dialled: string[] = []
    expect(await devices.connect({ dial: (address) => (dialled.push(address), Promise.resolve({ direct: false })) }, PATIENT)).toBe(false)
    expect(dialled).toEqual([DEVICE.address])
  })

  it('treats a damaged record as empty rather than failing', () => {
    const storage = memoryStorage()
    storage.items.set('anamnesis.patientDevices', '{not json')
    const devices = createPatientDevices(storage)
    expect(devices.device(PATIENT)).toBeUndefined()
    devices.remember(PATIENT, DEVICE)
    expect(devices.device(PATIENT)).toEqual(DEVICE)
  })
})

describe('what a patient’s approval left for a follow-up', () => {
  const KEEPER = { address: '/ip4/10.233.0.2/tcp/9092/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', keeper: `0x${'e1'.repeat(20)}` }

  it('keeps the keepers and the wrapped keys, and a later dial keeps them while replacing the address', () => {
    const storage = memoryStorage()
    const devices = createPatientDevices(storage)
    devices.remember(PATIENT, { ...DEVICE, keepers: [KEEPER], wrappedKeys: new Uint8Array([1, 2, 3]) })
    expect(createPatientDevices(storage).device(PATIENT)).toEqual({ ...DEVICE, keepers: [KEEPER], wrappedKeys: new Uint8Array([1, 2, 3]) })
    const moved = { peer: DEVICE.peer, address: DEVICE.address.replace('39091', '39092') }
    devices.remember(PATIENT, moved)
    expect(devices.device(PATIENT)).toEqual({ ...moved, keepers: [KEEPER], wrappedKeys: new Uint8Array([1, 2, 3]) })
  })

  it('drops keepers and keys another script wrote in a form this record never writes, and keeps where the device was', () => {
    const storage = memoryStorage()
    storage.items.set(
      'anamnesis.patientDevices',
      JSON.stringify({ [PATIENT.toLowerCase()]: { ...DEVICE, keepers: [{ address: '/dns4/evil.example/tcp/80/http', keeper: `0x${'e1'.repeat(20)}` }], wrappedKeys: 'not hex' } })
    )
    expect(createPatientDevices(storage).device(PATIENT)).toEqual(DEVICE)
  })
})
