import { describe, expect, it } from 'vitest'
import { grantExpiredSince } from './rotateHistoryKey.ts'

const day = 86_400_000
const now = Date.UTC(2026, 10, 26)

describe('a grant that expired since the last rotation', () => {
  it('calls for a new epoch once, and not for grants still live or ended before the last rotation', () => {
    const expiredYesterday = { live: false, expiry: new Date(now - day) }
    expect(grantExpiredSince([expiredYesterday], now - 2 * day, now)).toBe(true)
    // Already rotated after it expired.
    expect(grantExpiredSince([expiredYesterday], now - day / 2, now)).toBe(false)
    // Live, or revoked (a revocation rotates at once; the ledger then holds no expiry).
    expect(grantExpiredSince([{ live: true, expiry: new Date(now + day) }, { live: false, expiry: new Date(0) }], now - 2 * day, now)).toBe(false)
  })
})
