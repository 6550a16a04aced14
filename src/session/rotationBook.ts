// When this device last moved each patient's history to a new epoch: what tells an expiry
// already acted on from one still to act on.

/** When this device last moved each patient's history to a new epoch. */
export interface RotationBook {
  /** When this device last moved `patient`'s history to a new epoch (ms; 0 when never). */
  lastRotation(patient: string): number
  markRotated(patient: string, at: number): void
}

/** The rotation book kept in a Storage (localStorage in the browser), one item per patient. */
export function storageRotationBook(storage: Pick<Storage, 'getItem' | 'setItem'>): RotationBook {
  const key = (patient: string): string => `anamnesis.rotatedAt.${patient.toLowerCase()}`
  return {
    lastRotation(patient) {
      const value = Number(storage.getItem(key(patient)) ?? 0)
      return Number.isFinite(value) ? value : 0
    },
    markRotated: (patient, at) => storage.setItem(key(patient), String(at))
  }
}

/** The rotation book in this browser's localStorage, shared by its tabs (read when asked, not before). */
export function browserRotationBook(): RotationBook {
  return storageRotationBook({ getItem: (key) => localStorage.getItem(key), setItem: (key, value) => localStorage.setItem(key, value) })
}
