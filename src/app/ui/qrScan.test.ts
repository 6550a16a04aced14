import encodeQR from 'qr'
import { describe, expect, it } from 'vitest'
import { readQrCode, type Frame } from './qrScan.ts'
import { sampleVisitLink } from '../../../test/support/sampleVisitLink.ts'
import { VISIT_QR_OPTIONS } from '../visit/visitQrCode.ts'

/** Paints `text`'s QR code, as the patient's page encodes it, black on white into an RGBA frame. */
function paintQr(text: string, { scale, width, height, left = 0, top = 0 }: { scale: number; width: number; height: number; left?: number; top?: number }): Frame {
  const modules = encodeQR(text, 'raw', VISIT_QR_OPTIONS)
  if (left + modules.length * scale > width || top + modules.length * scale > height) throw new Error('the code does not fit in the frame')
  const data = new Uint8ClampedArray(width * height * 4).fill(255)
  modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const offset = ((top + y * scale + dy) * width + left + x * scale + dx) * 4
          data.fill(0, offset, offset + 3)
        }
      }
    })
  )
  return { data, width, height }
}

const link = sampleVisitLink

describe('readQrCode', () => {
  it('reads back a visit link encoded the way the patient page encodes it, quiet zone and all', () => {
    const size = encodeQR(link, 'raw', VISIT_QR_OPTIONS).length
    expect(readQrCode(paintQr(link, { scale: 4, width: size * 4, height: size * 4 }))).toBe(link)
  })

  it('reads a code that fills only part of a camera-sized frame', () => {
    expect(readQrCode(paintQr(link, { scale: 5, width: 640, height: 480, left: 150, top: 30 }))).toBe(link)
  })

  it('reads a short text at a large scale', () => {
    expect(readQrCode(paintQr('https://example.org/', { scale: 8, width: 320, height: 280, left: 40 }))).toBe('https://example.org/')
  })

  it('finds nothing in a blank frame', () => {
    expect(readQrCode({ data: new Uint8ClampedArray(64 * 48 * 4).fill(255), width: 64, height: 48 })).toBeUndefined()
  })

  it('refuses a frame whose size does not match its pixels', () => {
    expect(() => readQrCode({ data: new Uint8ClampedArray(10), width: 64, height: 48 })).toThrow(RangeError)
    expect(() => readQrCode({ data: new Uint8ClampedArray(0), width: 0, height: 0 })).toThrow(RangeError)
  })
})
