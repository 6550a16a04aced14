// Whether a store's failure is the disk refusing to store more: the keeper, its link and card stores
// and its file fetches each refuse with the same reason then.

/** Whether a store's error is the disk refusing to store more (ENOSPC, anywhere down the causes). */
export function isDiskFull(error: unknown): boolean {
  const seen = new Set<unknown>()
  let current = error
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current)
    const { code, message } = current as { code?: unknown; message?: unknown }
    if (code === 'ENOSPC' || (typeof message === 'string' && /ENOSPC|No space left on device/.test(message))) return true
    current = 'cause' in current ? current.cause : undefined
  }
  return false
}
