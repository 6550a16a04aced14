// Whether the browser will keep this site's storage, where the history and its keys live. Left
// "best effort", a browser may delete it: Chrome when the device runs short of space, Safari after
// seven days without a visit. The app asks for persistent storage when a history opens, and
// Settings says what the browser answered and how much room the site uses.

/** What the app uses of the browser's StorageManager (navigator.storage). */
export interface StoragePort {
  persisted(): Promise<boolean>
  persist(): Promise<boolean>
  estimate(): Promise<{ usage?: number; quota?: number }>
}

/**
 * `granted`: the browser will not delete this site's data to make room; `refused`: it may;
 * `unknown`: this browser does not say (no StorageManager, or it failed).
 */
export type Persistence = 'granted' | 'refused' | 'unknown'

/** The site's storage as Settings shows it. */
export interface StorageReport {
  persistence: Persistence
  /** Bytes this site uses, as the browser estimates them; undefined when it does not say. */
  usage: number | undefined
  /** Bytes the browser lets this site use; undefined when it does not say. */
  quota: number | undefined
}

/** The page's StorageManager, or undefined where the browser has none (or one without persist()). */
export function browserStorage(): StoragePort | undefined {
  const storage = (globalThis as { navigator?: { storage?: Partial<StoragePort> } }).navigator?.storage
  if (typeof storage?.persist !== 'function' || typeof storage.persisted !== 'function' || typeof storage.estimate !== 'function') return undefined
  return storage as StoragePort
}

/** Whether the browser keeps this site's data now, without asking it to. */
export async function readPersistence(storage: StoragePort | undefined): Promise<Persistence> {
  if (storage === undefined) return 'unknown'
  try {
    return (await storage.persisted()) ? 'granted' : 'refused'
  } catch {
    // A browser that cannot say (a sandboxed frame, storage blocked) is reported as not saying.
    return 'unknown'
  }
}

/**
 * Asks the browser to keep this site's data, unless it already does: Chrome decides by how the
 * site is used (installed, bookmarked, visited often), Firefox asks the person. Returns the answer.
 */
export async function requestPersistence(storage: StoragePort | undefined): Promise<Persistence> {
  const now = await readPersistence(storage)
  if (now !== 'refused' || storage === undefined) return now
  try {
    return (await storage.persist()) ? 'granted' : 'refused'
  } catch {
    return 'unknown'
  }
}

/** Persistence, usage and quota, as far as the browser says. */
export async function readStorage(storage: StoragePort | undefined): Promise<StorageReport> {
  const none: { usage?: number; quota?: number } = {}
  const estimate = storage === undefined ? none : await storage.estimate().catch(() => none)
  const bytes = (value: number | undefined): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined)
  return { persistence: await readPersistence(storage), usage: bytes(estimate.usage), quota: bytes(estimate.quota) }
}
