// A small seeded pseudo-random source (mulberry32), so generated demo data is the
// same on every machine and in every test run.

/** A deterministic source of random choices: the same seed gives the same sequence everywhere. */
export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [min, max]. */
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
  chance(probability: number): boolean
  /** A lowercase version-4-shaped UUID drawn from this source (not from the system). */
  uuid(): string
  hex(length: number): string
}

/** A {@link Random} seeded with `seed` (mulberry32); not for anything secret. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const hex = (length: number): string => {
    let out = ''
    for (let i = 0; i < length; i++) out += Math.floor(next() * 16).toString(16)
    return out
  }
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T,>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)]
      if (item === undefined) throw new RangeError('pick() needs at least one item')
      return item
    },
    chance: (probability) => next() < probability,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(next() * 4)] ?? '8'}${hex(3)}-${hex(12)}`,
    hex
  }
}
