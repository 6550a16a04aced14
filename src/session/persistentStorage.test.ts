import { describe, expect, it } from 'vitest'
import { readStorage, requestPersistence, type StoragePort } from './persistentStorage.ts'

/** A StorageManager that answers as told and counts the requests for persistence. */
function fakeStorage(answers: { persisted: boolean; grants?: boolean; usage?: number; quota?: number; failing?: boolean }): StoragePort & { asked: number } {
  let persisted = answers.persisted
  const storage = {
    asked: 0,
    persisted: () => (answers.failing === true ? Promise.reject(new Error('storage blocked')) : Promise.resolve(persisted)),
    persist: () => {
      storage.asked++
      persisted = answers.grants === true
      return Promise.resolve(persisted)
    },
    estimate: () => (answers.failing === true ? Promise.reject(new Error('storage blocked')) : Promise.resolve({ usage: answers.usage, quota: answers.quota }))
  }
  return storage
}

describe('asking the browser to keep the history', () => {
  it('does not ask again when the browser already keeps it', async () => {
    const storage = fakeStorage({ persisted: true })
    expect(await requestPersistence(storage)).toBe('granted')
    expect(storage.asked).toBe(0)
  })

  it('asks when it does not, and reports what the browser answered', async () => {
    const granting = fakeStorage({ persisted: false, grants: true })
    expect(await requestPersistence(granting)).toBe('granted')
    expect(granting.asked).toBe(1)
    const refusing = fakeStorage({ persisted: false, grants: false })
    expect(await requestPersistence(refusing)).toBe('refused')
    expect(refusing.asked).toBe(1)
  })

  it('says it does not know, without asking, where the browser has no StorageManager or it fails', async () => {
    expect(await requestPersistence(undefined)).toBe('unknown')
    const failing = fakeStorage({ persisted: false, failing: true })
    expect(await requestPersistence(failing)).toBe('unknown')
    expect(failing.asked).toBe(0)
  })
})

describe('what Settings shows of the storage', () => {
  it('reads persistence, usage and quota without asking for persistence', async () => {
    const storage = fakeStorage({ persisted: false, grants: true, usage: 3_216_000, quota: 5_368_709_120 })
    expect(await readStorage(storage)).toEqual({ persistence: 'refused', usage: 3_216_000, quota: 5_368_709_120 })
    expect(storage.asked).toBe(0)
  })

  it('leaves out what the browser does not say', async () => {
    expect(await readStorage(fakeStorage({ persisted: true }))).toEqual({ persistence: 'granted', usage: undefined, quota: undefined })
    expect(await readStorage(fakeStorage({ persisted: true, failing: true }))).toEqual({ persistence: 'unknown', usage: undefined, quota: undefined })
    expect(await readStorage(undefined)).toEqual({ persistence: 'unknown', usage: undefined, quota: undefined })
  })
})
