// Amounts of storage as the app shows them: "812 kB", "3.2 MB", "5.4 GB" (decimal units, as
// browsers and operating systems report disk space).

const UNITS = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const

/** A number of bytes in the largest unit that keeps it at 1 or more, with at most one decimal. */
export function formatBytes(bytes: number): string {
  const whole = Math.max(0, Math.round(bytes))
  if (whole < 1000) return whole === 1 ? '1 byte' : `${whole} bytes`
  let value = whole / 1000
  let unit = 0
  // Rounding can carry into the next unit (999.96 kB is 1 MB).
  while (Math.round(value * 10) / 10 >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return new Intl.NumberFormat('en', { style: 'unit', unit: UNITS[unit], unitDisplay: 'short', maximumFractionDigits: 1 }).format(value)
}
