/** A figure's unit; `version` is a QR code's version number (1 to 40), which no size or time names. */
export type Unit = 'ms' | 'gas' | 'bytes' | 'version'
export type Figures = Record<string, { value: number; unit: Unit }>
