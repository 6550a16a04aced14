export type Unit = 'ms' | 'gas' | 'bytes'
export type Figures = Record<string, { value: number; unit: Unit }>
