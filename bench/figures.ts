/** `count` is for figures that count things (attacks in a suite), which no other unit fits. */
export type Unit = 'ms' | 'gas' | 'bytes' | 'count'
export type Figures = Record<string, { value: number; unit: Unit }>
