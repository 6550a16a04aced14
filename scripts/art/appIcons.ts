// Renders the app's install icons from its favicon (public/favicon.svg) with the tests' Chromium:
//   node scripts/art/appIcons.ts
// Writes public/icons/: icon-192.png and icon-512.png (the rounded tile, transparent corners) and
// icon-maskable-512.png (the tile filling the square: a launcher masks it to its own shape, and the
// letter stays inside the central circle every mask keeps).
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { chromium } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../stack/chromium.ts'

const publicDir = path.resolve(import.meta.dirname, '..', '..', 'public')
const favicon = await readFile(path.join(publicDir, 'favicon.svg'), 'utf8')
if (!favicon.includes(' rx="6"')) throw new Error('public/favicon.svg changed: its tile is no longer a rect with rx="6"; update this script')
const square = favicon.replace(' rx="6"', '')

const icons = [
  { file: 'icon-192.png', size: 192, svg: favicon },
  { file: 'icon-512.png', size: 512, svg: favicon },
  { file: 'icon-maskable-512.png', size: 512, svg: square }
]

const executablePath = chromiumPath()
if (executablePath === undefined) throw new Error(missingChromiumMessage())
const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
try {
  await mkdir(path.join(publicDir, 'icons'), { recursive: true })
  for (const { file, size, svg } of icons) {
    const page = await browser.newPage({ viewport: { width: size, height: size } })
    const source = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
    await page.setContent(`<body style="margin:0"><img src="${source}" width="${size}" height="${size}" style="display:block"></body>`)
    await page.locator('img').evaluate((img: HTMLImageElement) => img.decode())
    await writeFile(path.join(publicDir, 'icons', file), await page.screenshot({ omitBackground: true }))
    await page.close()
    console.log(`public/icons/${file} (${size}×${size})`)
  }
} finally {
  await browser.close()
}
