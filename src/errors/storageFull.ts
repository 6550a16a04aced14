// The browser refusing to store more: IndexedDB and the Cache API fail with a DOMException
// named QuotaExceededError when the device or the site's share of it is full. Recognised here,
// once, so every domain can turn it into the same message a patient can act on.

/** The DOMException names browsers give a write refused for want of space (Firefox's older one too). */
const QUOTA_ERROR_NAMES = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED'])

/** What a patient reads when the browser refused to store something for want of space. */
export const STORAGE_FULL_MESSAGE =
  "Your browser has no room left to store this: nothing was written. Free space on this device (or remove other websites' data in your browser's settings), then try again."

/** Whether `error`, or an error it was caused by, is the browser refusing a write for want of space. */
export function isStorageFull(error: unknown): boolean {
  const seen = new Set<unknown>()
  let current = error
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    if ('name' in current && typeof current.name === 'string' && QUOTA_ERROR_NAMES.has(current.name)) return true
    seen.add(current)
    current = 'cause' in current ? current.cause : undefined
  }
  return false
}
