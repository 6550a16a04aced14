// The card's QR code: its settings live here so that the page, the bench and the tests draw the
// very code the card carries.
import encodeQR, { type QrOpts } from 'qr'

/**
 * Error correction M (15 % of the code may be lost: a scuffed, bent card in a wallet) and the
 * standard quiet zone of 4 modules, which a printed code needs around it to be found.
 */
export const CARD_QR_OPTIONS = { ecc: 'medium', border: 4 } as const satisfies QrOpts

/** The code's modules, row by row (true: dark), quiet zone included. */
export function cardQrModules(text: string): boolean[][] {
  return encodeQR(text, 'raw', CARD_QR_OPTIONS)
}

/** The QR version (1 to 40: 17 + 4 × version modules a side) of the card's code for `text`. */
export function cardQrVersion(text: string): number {
  return (cardQrModules(text).length - 2 * CARD_QR_OPTIONS.border - 17) / 4
}
