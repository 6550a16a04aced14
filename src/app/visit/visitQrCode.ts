// The visit link's QR code on the patient's screen. Its settings live here so that the tests
// paint the very code the page shows.
import encodeQR, { type QrOpts } from 'qr'

/**
 * Low error correction (7% of the code may be lost) keeps the modules of a visit link, some 220
 * characters (QR version 9 or 10), large enough to read at 220 pixels from a clean screen; a
 * quiet zone of 2 modules.
 */
export const VISIT_QR_OPTIONS = { ecc: 'low', border: 2 } as const satisfies QrOpts

/**
 * `link`'s QR code as an SVG data URL for an image, one unit a module. The image carries its own
 * white ground (the encoder's SVG has none), so the code keeps its contrast whatever the page
 * paints behind it, in a forced-colours mode or when the image is saved; crisp edges keep
 * anti-aliasing from greying the seams between rows.
 */
export function visitQrImage(link: string): string {
  return qrModulesImage(encodeQR(link, 'raw', VISIT_QR_OPTIONS))
}

/** A QR code's modules (true: dark) as an SVG data URL, one unit a module, on its own white ground. */
export function qrModulesImage(modules: readonly (readonly boolean[])[]): string {
  const size = modules.length
  let path = ''
  modules.forEach((row, y) => {
    let x = 0
    while (x < size) {
      if (row[x] !== true) {
        x++
        continue
      }
      const start = x
      while (row[x] === true) x++
      path += `M${start} ${y}h${x - start}v1h${start - x}z`
    }
  })
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges">` +
    `<rect width="${size}" height="${size}" fill="#fff"/><path d="${path}"/></svg>`
  return `data:image/svg+xml;utf8,${encodeURIComponent(svg)}`
}

/** The QR version (1 to 40: 17 + 4 × version modules a side) of `link`'s code as visitQrImage draws it. */
export function visitQrVersion(link: string): number {
  return (encodeQR(link, 'raw', VISIT_QR_OPTIONS).length - 2 * VISIT_QR_OPTIONS.border - 17) / 4
}
