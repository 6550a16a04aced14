/**
 * A figure's unit. Besides times, gas and sizes (`bytes`, and `mb` for memory in mebibytes, 2^20
 * bytes): `count` for figures that count things (attacks in a suite), `version` for a QR code's
 * version number (1 to 40), and `records/s` for a rate of records written; no size or time names either.
 */
export type Unit = 'ms' | 'gas' | 'bytes' | 'mb' | 'count' | 'version' | 'records/s'
export type Figures = Record<string, { value: number; unit: Unit }>

/** The middle value of a figure's runs (the upper middle of an even count); NaN for none. */
export const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN
