import encodeQR from 'qr'
import { describe, expect, it } from 'vitest'
import { sampleVisitLink } from '../../../test/support/sampleVisitLink.ts'
import { VISIT_QR_OPTIONS, visitQrImage, visitQrVersion } from './visitQrCode.ts'

const link = sampleVisitLink

const SVG_PREFIX = 'data:image/svg+xml;utf8,'

/** The SVG in the image's data URL. */
function svgOf(image: string): string {
  expect(image.startsWith(SVG_PREFIX)).toBe(true)
  return decodeURIComponent(image.slice(SVG_PREFIX.length))
}

/** The modules the SVG draws dark: each run of the path is one row's stretch of dark modules. */
function modulesOf(svg: string): boolean[][] {
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1])
  const modules = Array.from({ length: size }, () => Array.from({ length: size }, () => false))
  for (const [, x, y, run] of svg.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    const row = modules[Number(y)]
    if (row === undefined) throw new Error(`row ${Number(y)} is outside the ${size}-module code`)
    row.fill(true, Number(x), Number(x) + Number(run))
  }
  return modules
}

describe('visitQrImage', () => {
  it('draws the encoder’s modules, quiet zone included, on a white ground', () => {
    const svg = svgOf(visitQrImage(link))
    expect(svg).toContain('fill="#fff"')
    expect(modulesOf(svg)).toEqual(encodeQR(link, 'raw', VISIT_QR_OPTIONS))
  })

  it('keeps the quiet zone of 2 modules free', () => {
    const modules = modulesOf(svgOf(visitQrImage(link)))
    const border = [...modules.slice(0, 2), ...modules.slice(-2), ...modules.map((row) => [...row.slice(0, 2), ...row.slice(-2)])]
    expect(border.flat().some(Boolean)).toBe(false)
  })
})

describe('visitQrVersion', () => {
  it('is the version of the code drawn: 17 + 4 × version modules a side, inside the quiet zone', () => {
    const size = modulesOf(svgOf(visitQrImage(link))).length
    expect(visitQrVersion(link)).toBe((size - 4 - 17) / 4)
    expect(visitQrVersion('A')).toBe(1)
  })

  it('is 10 or lower for an invite through one relay, from the app at an address like the local stack’s', () => {
    const invite = sampleVisitLink.split('#')[1] ?? ''
    expect(visitQrVersion(`http://10.233.0.1:39092/#${invite}`)).toBeLessThanOrEqual(10)
  })
})
