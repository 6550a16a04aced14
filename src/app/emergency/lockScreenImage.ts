// The image a patient sets as their phone's lock screen: the card's words and its QR code on a
// canvas, saved as a PNG. A phone shows its lock screen to whoever holds it, with no unlocking.
import type { OfflineTier } from '../../emergency/index.ts'
import { cardLines } from './cardLines.ts'

/** A tall phone screen's pixels; the phone scales the image to its own. */
export const LOCK_SCREEN = { width: 1080, height: 2340 } as const

/** Lines of `text` no wider than `width` at the context's font, split between words (or inside a word too long for a line). */
function wrap(context: CanvasRenderingContext2D, text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`
    if (context.measureText(next).width <= width) {
      line = next
      continue
    }
    if (line !== '') lines.push(line)
    line = word
    while (context.measureText(line).width > width && line.length > 1) {
      let cut = line.length - 1
      while (cut > 1 && context.measureText(line.slice(0, cut)).width > width) cut--
      lines.push(line.slice(0, cut))
      line = line.slice(cut)
    }
  }
  if (line !== '') lines.push(line)
  return lines
}

/** Draws the lock-screen image of a card: its words, allergies first, the top half; its code below, where a thumb does not cover it. */
export function drawLockScreen(canvas: HTMLCanvasElement, tier: OfflineTier, modules: readonly (readonly boolean[])[]): void {
  canvas.width = LOCK_SCREEN.width
  canvas.height = LOCK_SCREEN.height
  const context = canvas.getContext('2d')
  if (context === null) throw new Error('this browser cannot draw the image')
  const margin = 70
  const width = LOCK_SCREEN.width - 2 * margin
  context.fillStyle = '#ffffff'
  context.fillRect(0, 0, LOCK_SCREEN.width, LOCK_SCREEN.height)
  // The top third stays clear for the phone's clock.
  let y = 620
  context.fillStyle = '#a4161a'
  context.fillRect(0, y - 90, LOCK_SCREEN.width, 130)
  context.fillStyle = '#ffffff'
  context.font = 'bold 64px system-ui, sans-serif'
  context.textBaseline = 'alphabetic'
  context.fillText('EMERGENCY MEDICAL INFO', margin, y)
  y += 120
  for (const line of cardLines(tier)) {
    context.fillStyle = line.alert === true ? '#a4161a' : '#1b1f24'
    context.font = 'bold 40px system-ui, sans-serif'
    context.fillText(line.label.toUpperCase(), margin, y)
    y += 56
    context.font = '48px system-ui, sans-serif'
    for (const part of wrap(context, line.text, width)) {
      context.fillText(part, margin, y)
      y += 60
    }
    y += 20
  }
  // The code, as large as the space left allows, black on white with its quiet zone.
  const room = Math.min(LOCK_SCREEN.height - y - margin, width)
  const scale = Math.max(1, Math.floor(room / modules.length))
  const size = modules.length * scale
  const left = Math.floor((LOCK_SCREEN.width - size) / 2)
  const top = LOCK_SCREEN.height - margin - size
  context.fillStyle = '#000000'
  modules.forEach((row, my) => row.forEach((dark, mx) => dark && context.fillRect(left + mx * scale, top + my * scale, scale, scale)))
}

/** The canvas as a PNG file's bytes. */
export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob === null ? reject(new Error('the browser could not make the image')) : resolve(blob)), 'image/png'))
}
