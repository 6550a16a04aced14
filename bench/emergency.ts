// The emergency card's figures:
//   emergency.card.qrVersion       the QR version (1 to 40; unit "version") at error correction M of the
//                                  demo patient's card: the 400-record demo history, a profile with a blood
//                                  group and one contact, and a link to the full tier naming a keeper as the
//                                  local stack addresses one; the card leaves nothing of it off (checked)
//   emergency.ips.bytes            the demo patient's International Patient Summary (the same history and
//                                  profile), its JSON DEFLATE-compressed (raw DEFLATE, node:zlib, level 9)
//   emergency.scanToOfflineTier.ms in headless Chromium against the built app: from a card's code decoded on
//                                  "Emergency: scan a card" to its words drawn (the page's own User Timing
//                                  measure, ending at the frame after the words were painted); median of 15
import path from 'node:path'
import { deflateRawSync } from 'node:zlib'
import { chromium } from '@playwright/test'
import encodeQR from 'qr'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import { SCAN_TO_TIER_MEASURE } from '../src/app/emergency/scanTiming.ts'
import { CARD_KEY_LENGTH, CARD_QR_OPTIONS, cardQrVersion, emergencySummary, fitCard, formatCardLink, offlineTier, summaryItems, type EmergencyProfile } from '../src/emergency/index.ts'
import { DEMO_NOW, demoPatient } from '../src/history/index.ts'
import { median, type Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
const CONFIG = {
  chain: { id: 31337, name: 'Local', rpcUrl: 'http://127.0.0.1:9' },
  contracts: { keyRegistry: '0x5FbDB2315678afecb367f032d93F642f64180aa3', consentLedger: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' },
  relays: [],
  iceServers: []
}
const RUNS = 15

/** The demo patient's emergency profile: what a patient fills in first. */
const DEMO_PROFILE: EmergencyProfile = {
  bloodGroup: 'O-',
  contacts: [{ name: 'Ada Demo', relation: 'daughter', phone: '+44 20 7946 0000' }],
  implants: [],
  excluded: [],
  offCard: []
}

export async function measureEmergency(): Promise<Figures> {
  const demo = demoPatient({ records: 400 })
  const input = { patient: demo.patient, entries: demo.entries, profile: DEMO_PROFILE, now: DEMO_NOW }
  const link = formatCardLink({
    patient: demo.patient,
    keeper: '/ip4/127.0.0.1/tcp/4003/ws/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA',
    key: new Uint8Array(CARD_KEY_LENGTH).fill(0xa5),
    expires: Math.floor(DEMO_NOW / 1000) + 365 * 86_400,
    flags: ['L']
  })
  const card = fitCard(offlineTier(summaryItems(input), DEMO_PROFILE, link))
  if (card.leftOff.length > 0) throw new Error(`the demo card leaves off ${card.leftOff.join(', ')}: the figure would not be the whole card's`)
  const ipsBytes = deflateRawSync(JSON.stringify(emergencySummary(input).bundle), { level: 9 }).length

  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const server = await serveStatic({ root: path.join(root, 'dist'), config: CONFIG })
  const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
  const photo = { name: 'card.gif', mimeType: 'image/gif', buffer: Buffer.from(encodeQR(card.text, 'gif', { ...CARD_QR_OPTIONS, scale: 4 })) }
  const times: number[] = []
  try {
    const page = await browser.newPage()
    for (let run = 0; run < RUNS; run++) {
      await page.goto(`${server.url}/#/emergency/scan`)
      await page.reload()
      await page.getByRole('heading', { level: 1, name: 'Emergency: scan a card' }).waitFor()
      await page.getByLabel('Or read the code from a photo of the card').setInputFiles(photo)
      await page.getByRole('region', { name: 'What the card says' }).waitFor()
      const measured = await page.waitForFunction((name) => performance.getEntriesByName(name, 'measure').at(-1)?.duration, SCAN_TO_TIER_MEASURE)
      times.push((await measured.jsonValue()) as number)
    }
  } finally {
    await browser.close()
    await server.stop()
  }
  return {
    'emergency.card.qrVersion': { value: cardQrVersion(card.text), unit: 'version' },
    'emergency.ips.bytes': { value: ipsBytes, unit: 'bytes' },
    'emergency.scanToOfflineTier.ms': { value: Math.round(median(times) * 10) / 10, unit: 'ms' }
  }
}

if (import.meta.main) console.log(await measureEmergency())
