/**
 * A figure's unit. Besides times, gas and sizes (`bytes`, and `mb` for memory in mebibytes, 2^20
 * bytes): `count` for figures that count things (attacks in a suite), and `version` for a QR code's
 * version number (1 to 40); no size or time names either.
 */
export type Unit = 'ms' | 'gas' | 'bytes' | 'mb' | 'count' | 'version'
export type Figures = Record<string, { value: number; unit: Unit }>
