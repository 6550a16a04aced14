// The SMART Health Link figure, measured on the built app in headless Chromium against a real keeper
// process (loopback, a real local chain): a patient's Node peer enrols the keeper and shares the
// International Patient Summary of the 1,000-record demo history by link, as the app's "Share by link"
// does (sealed as JWE in the sharer, the ciphertext alone with the keeper).
//
// - shl.open.ms: a second browser (a fresh context each run: no cache, no wallet) from the link
//   opened (the page asked for `<app>#shlink:/…`) to the shared summary shown: the viewer's code
//   loading, the recipient's name given, the manifest fetched from the keeper over HTTP, the file
//   decrypted and inflated, and the summary drawn. Median of RUNS openings. Goal: at most 1,500 ms.
//
// `node bench/shl.ts` builds the app and prints the figure; bench/run.ts adds measureHealthLink().
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium, expect } from '@playwright/test'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { privateKeyToAccount } from 'viem/accounts'
import { startAnvil } from '../scripts/stack/anvil.ts'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { deployContracts } from '../scripts/stack/deploy.ts'
import { startKeeperProcess } from '../scripts/stack/keeper.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import { deployerAccount, developmentAccounts } from '../src/chain/devAccounts.ts'
import { signingDomain } from '../src/crypto/index.ts'
import { emergencySummary, storedProfile } from '../src/emergency/index.ts'
import { createEntry, demoRecordsFor } from '../src/history/index.ts'
import { deactivateLink, enrolKeeper, listLinks, storeLink } from '../src/keeper/index.ts'
import { startP2PNode, useIdentityDomain } from '../src/p2p/index.ts'
import { shareByLink } from '../src/session/healthLinks.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../test/support/walletSignatures.ts'
import { median, type Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
/** Openings measured; `RUNS=1 node bench/shl.ts` for a quick look. */
const RUNS = Number(process.env.RUNS ?? 5)
const DEMO_RECORDS = 1000

export async function measureHealthLink(): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const stops: (() => Promise<unknown>)[] = []
  try {
    const anvil = await startAnvil({ port: 0 })
    stops.push(() => anvil.stop())
    const contracts = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: deployerAccount.privateKey })
    const domain = signingDomain({ origin: TEST_DOMAIN.origin, chainId: anvil.chainId, verifyingContract: contracts.keyRegistry })
    const dev = developmentAccounts.find((account) => account.label === 'Patient')
    if (dev === undefined) throw new Error('no development patient')
    const patient = await walletIdentityOf(privateKeyToAccount(dev.privateKey), domain)
    // The keeper's hello is checked against this deployment, as the app's own session names it.
    useIdentityDomain(domain)

    const dataDir = await mkdtemp(path.join(tmpdir(), 'anamnesis-bench-shl-'))
    stops.push(() => rm(dataDir, { recursive: true, force: true }))
    const keeper = await startKeeperProcess({ dataDir, port: 0, linksPort: 0, rpcUrl: anvil.rpcUrl, origin: domain.origin, contracts })
    stops.push(() => keeper.stop())
    const node = await startP2PNode({ relays: [], listen: ['/ip4/127.0.0.1/tcp/0/ws'], blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
    stops.push(() => node.stop())
    const caller = { identity: patient.identity, patient: patient.address }
    await enrolKeeper(node, keeper.multiaddr, { ...caller, quota: 1 << 30 })

    // The demo history's summary, as the app composes it for "Share by link".
    const now = Date.now()
    const entries = demoRecordsFor(patient.address, DEMO_RECORDS).map((record) => createEntry({ record, writer: patient.address, patient: patient.address, now }))
    const { bundle } = emergencySummary({ patient: patient.address, entries, profile: storedProfile(entries, patient.address).profile, now })
    const bytes = new TextEncoder().encode(JSON.stringify(bundle))
    const keepers = {
      addresses: [keeper.multiaddr],
      client: {
        store: (address: string, request: Parameters<typeof storeLink>[3]) => storeLink(node, address, caller, request),
        list: (address: string) => listLinks(node, address, caller),
        deactivate: (address: string, link: Uint8Array) => deactivateLink(node, address, caller, link)
      }
    }
    const shared = await shareByLink(keepers, { bundle: bytes, label: 'Summary for the bench' })

    const server = await serveStatic({ root: path.join(root, 'dist'), config: { chain: { id: anvil.chainId, name: 'Local chain (anvil)', rpcUrl: anvil.rpcUrl }, contracts, relays: [], iceServers: [] } })
    stops.push(() => server.stop())
    const link = `${server.url}/#${shared.text}`
    const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
    stops.push(() => browser.close())
    const times: number[] = []
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext()
      const page = await context.newPage()
      const start = performance.now()
      await page.goto(link)
      await page.getByRole('textbox', { name: 'Your name, as the patient will see it' }).fill(`Bench reader ${run}`)
      await page.getByRole('button', { name: 'Open the shared records' }).click()
      await expect(page.getByRole('region', { name: 'What the patient shared' }).getByRole('heading', { level: 3 })).toBeVisible({ timeout: 60_000 })
      times.push(performance.now() - start)
      await context.close()
    }
    const opened = (await listLinks(node, keeper.multiaddr, caller)).find((kept) => kept.id === shared.id)?.openings.length ?? 0
    if (opened !== RUNS) throw new Error(`the keeper logged ${opened} openings, not ${RUNS}`)
    console.error(`shl.open of the summary of ${DEMO_RECORDS} demo records (${bytes.length.toLocaleString('en')} bytes of FHIR JSON): ${times.map((ms) => Math.round(ms)).join(', ')} ms`)
    return { 'shl.open.ms': { value: Math.round(median(times)), unit: 'ms' } }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
  }
}

if (import.meta.main) {
  const build = spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('vite build failed')
  for (const [name, { value, unit }] of Object.entries(await measureHealthLink())) console.log(`${name.padEnd(28)} ${value.toLocaleString('en')} ${unit}`)
}
