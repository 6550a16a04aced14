// The history's figures: writing 1,000 records, and a second peer replicating and
// decrypting them, for this project's log and for stock OrbitDB measured the same way.
//
// - history.write1000.ms, history.replicate1000.ms: two headless Chromium browsers over
//   WebRTC inside the private network namespace (the path users take), IndexedDB storage;
//   replication is timed from the direct connection until the doctor's page has decrypted all.
//   Median of five runs, each with fresh browsers (a single run swings by a fifth either way on
//   this machine's two shared cores).
// - history.replicate1000.stock.ms, history.write1000.stock.ms: the same pages, stock
//   OrbitDB (plaintext events, one add at a time, sync by heads exchange and bitswap); median of three runs.
// - history.replicate1000.node.ms (and .stock.node.ms, write1000.node.ms): two Node peers
//   over loopback WebSockets, memory storage.
//
// Every run's times go to stderr, with the UDP datagrams the private network dropped for a full
// receive buffer while ours replicated (udpCounters: each drop is an SCTP retransmission waited
// out). BENCH_TIMELINE=1 prints when each frame was stored; in the first run, BENCH_PROFILE=<file>
// writes CPU profiles of the doctor's page (<file>) and the patient's (<file>.patient.cpuprofile)
// during replication (the pages built with their functions' names), and BENCH_CPU=1 prints the CPU
// time each Chromium thread spent replicating (Linux); BENCH_OURS_ONLY=1 leaves the stock figures out.
// `node bench/history.ts [--node | --browser]` prints them; bench/run.ts can add measureHistory() to its figures.
import { withBitswap } from '@helia/bitswap'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { hexToBytes } from '@noble/hashes/utils.js'
import { multiaddr } from '@multiformats/multiaddr'
import { createOrbitDB, IPFSAccessController } from '@orbitdb/core'
import { chromium, type Browser, type Page } from '@playwright/test'
import { privateKeyToAccount } from 'viem/accounts'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { PRIVATE_NETWORK_ADDRESS } from '../scripts/stack/privateNetwork.ts'
import { startRelay } from '../scripts/stack/relay.ts'
import { figuresFromPrivateNetwork, udpCounters } from './privateNetworkRun.ts'
import { median, type Figures } from './figures.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import { developmentAccounts } from '../src/chain/devAccounts.ts'
import { secp256k1Signer, currentKey, firstEpochKeyring, deriveWalletKeys, wrapDataKey } from '../src/crypto/index.ts'
import { openPatientHistory, readerKeyring } from '../src/history/index.ts'
import { bloodPressureSeries } from '../test/fixtures/recordFixtures.ts'
import { TEST_DOMAIN, walletSignatures } from '../test/support/walletSignatures.ts'
import { createWalletIdentity, startHistoryOrbit, startP2PNode, type P2PNode } from '../src/p2p/index.ts'
import type { BenchPerson, HistoryBenchApi } from './history/benchPage.ts'

const root = path.resolve(import.meta.dirname, '..')
const RECORDS = 1000
/** Runs of ours per browser figure, and of stock OrbitDB (some 20 s each): each figure is the median. `RUNS=1 STOCK_RUNS=1` for a quick look. */
const RUNS = Number(process.env.RUNS ?? 5)
const STOCK_RUNS = Number(process.env.STOCK_RUNS ?? 3)
const FIGURES_LINE = 'HISTORY_FIGURES '

const ms = (value: number): { value: number; unit: 'ms' } => ({ value: Math.round(value), unit: 'ms' })

async function benchPerson(label: string): Promise<BenchPerson> {
  const dev = developmentAccounts.find((account) => account.label === label)
  if (dev === undefined) throw new Error(`no development account ${label}`)
  const { address, keySignature, binding } = await walletSignatures(privateKeyToAccount(dev.privateKey))
  return { address, keySignature, binding, domain: TEST_DOMAIN }
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, every = 5): Promise<void> {
  const start = performance.now()
  while (!(await condition())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, every))
  }
}

const loopback = (stock = false): Promise<P2PNode> => startP2PNode({ relays: [], listen: ['/ip4/127.0.0.1/tcp/0/ws'], ...(stock ? { stockBlockExchange: withBitswap } : {}) })

function wsAddress(node: P2PNode): string {
  const address = node.libp2p
    .getMultiaddrs()
    .map(String)
    .find((a) => a.includes('/ws/'))
  if (address === undefined) throw new Error('no WebSockets address')
  return address
}

/** Ours, two Node peers: write 1,000 in one batch; the doctor pulls and decrypts them. */
async function nodeOurs(patient: BenchPerson, doctor: BenchPerson): Promise<{ write: number; replicate: number }> {
  const [a, b] = await Promise.all([loopback(), loopback()])
  try {
    const patientKeys = deriveWalletKeys(hexToBytes(patient.keySignature.slice(2)))
    const doctorKeys = deriveWalletKeys(hexToBytes(doctor.keySignature.slice(2)))
    // The doctor holds a live grant: the patient's device syncs with them.
    const patientOrbit = await startHistoryOrbit({ node: a, identity: createWalletIdentity({ address: patient.address, signer: secp256k1Signer(patientKeys.identity.secretKey), binding: patient.binding, keyVersion: 1, domain: patient.domain }), canSync: () => Promise.resolve(true) })
    const doctorOrbit = await startHistoryOrbit({ node: b, identity: createWalletIdentity({ address: doctor.address, signer: secp256k1Signer(doctorKeys.identity.secretKey), binding: doctor.binding, keyVersion: 1, domain: doctor.domain }) })
    const keyring = firstEpochKeyring(patientKeys.encryption.secretKey, patient.address)
    const mine = openPatientHistory({ log: await patientOrbit.openLog(patient.address), keyring })
    const records = bloodPressureSeries(patient.address, RECORDS)
    const writeStart = performance.now()
    await mine.addMany(records)
    const write = performance.now() - writeStart
    const { epoch, key } = currentKey(keyring)
    const theirs = openPatientHistory({
      log: await doctorOrbit.openLog(patient.address),
      keyring: readerKeyring([wrapDataKey(key, doctorKeys.encryption.publicKey, epoch)], doctorKeys.encryption.secretKey)
    })
    await b.libp2p.dial(multiaddr(wsAddress(a)))
    const start = performance.now()
    await until(() => theirs.entries().length === RECORDS, 60_000)
    const replicate = performance.now() - start
    await doctorOrbit.stop()
    await patientOrbit.stop()
    return { write, replicate }
  } finally {
    await Promise.allSettled([a.stop(), b.stop()])
  }
}

/** Stock OrbitDB, two Node peers: plaintext events added one at a time; the reader joins them over bitswap. */
async function nodeStock(patient: BenchPerson): Promise<{ write: number; replicate: number }> {
  const [a, b] = await Promise.all([loopback(true), loopback(true)])
  const directory = path.join(root, '.stack', `bench-stock-${process.pid}`)
  try {
    const writer = await createOrbitDB({ ipfs: a.helia, id: 'stock-writer', directory: path.join(directory, 'a') })
    const reader = await createOrbitDB({ ipfs: b.helia, id: 'stock-reader', directory: path.join(directory, 'b') })
    const db = await writer.open('stock-history', { type: 'events', AccessController: IPFSAccessController({ write: ['*'] }) })
    const records = bloodPressureSeries(patient.address, RECORDS)
    const writeStart = performance.now()
    let oldest = ''
    for (const record of records) {
      const hash = await db.add(record)
      if (oldest === '') oldest = hash
    }
    const write = performance.now() - writeStart
    // A stock reader needs the manifest from the writer before it can open the log: connect first.
    await b.libp2p.dial(multiaddr(wsAddress(a)))
    const start = performance.now()
    const replica = await reader.open(db.address)
    replica.events.on('error', () => undefined)
    await until(() => replica.log.has(oldest), 300_000, 20)
    const replicate = performance.now() - start
    await reader.stop()
    await writer.stop()
    return { write, replicate }
  } finally {
    await Promise.allSettled([a.stop(), b.stop()])
    await rm(directory, { recursive: true, force: true })
  }
}

async function buildBenchPage(): Promise<string> {
  const outDir = path.join(root, '.stack', 'bench-history-page')
  const { build } = await import('vite')
  await build({
    configFile: false,
    root: path.join(root, 'bench', 'history'),
    base: './',
    logLevel: 'warn',
    // A profile names the page's functions: the page is not minified then.
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4000, minify: process.env.BENCH_PROFILE === undefined }
  })
  return outDir
}

/** Inside the private network namespace: relay, page server, two Chromium browsers per pair. */
async function browserFigures(pageDir: string): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const relay = await startRelay({ port: 0, keyFile: path.join(root, '.stack', 'bench-history-relay.key') })
  const server = await serveStatic({ root: pageDir })
  const [patient, doctor] = await Promise.all([benchPerson('Patient'), benchPerson('Doctor')])
  const browsers: Browser[] = []
  const openPage = async (): Promise<Page> => {
    const browser = await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS })
    browsers.push(browser)
    const page = await browser.newPage()
    page.on('pageerror', (error) => console.error('page error:', error.message))
    // BENCH_TIMELINE=1 prints when each frame of the sync was stored, seen from the doctor's page.
    const timeline = process.env.BENCH_TIMELINE !== undefined
    if (timeline) page.on('console', (message) => console.error('page:', message.text()))
    await page.goto(`${server.url}/${timeline ? '?timeline' : ''}`)
    await page.waitForFunction(() => 'historyBench' in window)
    return page
  }
  type Api = HistoryBenchApi
  const call = <K extends keyof Api>(page: Page, name: K, ...args: Parameters<Api[K]>): Promise<Awaited<ReturnType<Api[K]>>> =>
    page.evaluate(
      ([fn, params]) => {
        const bench = (window as unknown as { historyBench: Record<string, (...a: unknown[]) => unknown> }).historyBench
        const method = bench[fn]
        if (method === undefined) throw new Error(`no bench function ${fn}`)
        return method(...params)
      },
      [name, args] as [string, unknown[]]
    ) as Promise<Awaited<ReturnType<Api[K]>>>
  /** One run of ours: fresh browsers, 1,000 records written by the patient's page, pulled by the doctor's. The first run is the one BENCH_PROFILE and BENCH_CPU look at. */
  const oursOnce = async (first: boolean): Promise<{ write: number; replicate: number }> => {
    const [p, d] = await Promise.all([openPage(), openPage()])
    const patientAddress = await call(p, 'start', relay.multiaddr, 'bench-patient')
    await call(d, 'start', relay.multiaddr, 'bench-doctor')
    await call(p, 'openHistory', patient, patient.address)
    const write = await call(p, 'write', patient.address, RECORDS)
    const wrapped = await call(p, 'wrapFor', doctorEncryptionKey(doctor))
    await call(d, 'openHistory', doctor, patient.address, wrapped)
    const profileFile = first ? process.env.BENCH_PROFILE : undefined
    const profiles = profileFile === undefined ? [] : await Promise.all([d, p].map((page) => page.context().newCDPSession(page)))
    for (const profile of profiles) {
      await profile.send('Profiler.enable')
      await profile.send('Profiler.setSamplingInterval', { interval: 200 })
      await profile.send('Profiler.start')
    }
    const cpu = !first || process.env.BENCH_CPU === undefined ? undefined : await chromiumThreadCpu()
    const udpBefore = udpCounters()
    const ours = await call(d, 'replicate', patientAddress, RECORDS)
    const udpAfter = udpCounters()
    if (cpu !== undefined) {
      for (const [thread, ms] of await chromiumThreadCpu()) if (ms > (cpu.get(thread) ?? 0)) console.error(`cpu ${thread}: ${ms - (cpu.get(thread) ?? 0)} ms`)
    }
    if (profileFile !== undefined) {
      const { writeFile } = await import('node:fs/promises')
      const [doctorCpu, patientCpu] = await Promise.all(profiles.map(async (profile) => (await profile.send('Profiler.stop')).profile))
      await writeFile(profileFile, JSON.stringify(doctorCpu))
      await writeFile(profileFile.replace(/(\.cpuprofile)?$/, '.patient.cpuprofile'), JSON.stringify(patientCpu))
    }
    await Promise.all(browsers.splice(0).map((b) => b.close()))
    const drops = udpBefore === undefined || udpAfter === undefined ? '' : `; UDP datagrams dropped for a full receive buffer: ${udpAfter.dropped - udpBefore.dropped} of ${udpAfter.received - udpBefore.received}`
    console.error(`ours: write ${Math.round(write)} ms, replicate ${Math.round(ours.replicateMs)} ms (dial ${Math.round(ours.dialMs)} ms, not counted${drops})`)
    return { write, replicate: ours.replicateMs }
  }

  /** One run of stock OrbitDB, the same way. */
  const stockOnce = async (): Promise<{ write: number; replicate: number }> => {
    const [sp, sd] = await Promise.all([openPage(), openPage()])
    const stockAddress = await call(sp, 'start', relay.multiaddr, 'bench-stock-patient', true)
    await call(sd, 'start', relay.multiaddr, 'bench-stock-doctor', true)
    const stockWrite = await call(sp, 'stockWrite', patient.address, RECORDS)
    const stock = await call(sd, 'stockReplicate', stockAddress, stockWrite.address, stockWrite.oldest)
    await Promise.all(browsers.splice(0).map((b) => b.close()))
    console.error(`stock: write ${Math.round(stockWrite.ms)} ms, replicate ${Math.round(stock.replicateMs)} ms (dial ${Math.round(stock.dialMs)} ms, not counted)`)
    return { write: stockWrite.ms, replicate: stock.replicateMs }
  }

  try {
    const ours: { write: number; replicate: number }[] = []
    for (let run = 0; run < RUNS; run++) ours.push(await oursOnce(run === 0))
    const figures: Figures = {
      'history.write1000.ms': ms(median(ours.map((run) => run.write))),
      'history.replicate1000.ms': ms(median(ours.map((run) => run.replicate)))
    }
    // BENCH_OURS_ONLY=1 leaves stock OrbitDB out: a quicker look at this project's figures alone.
    if (process.env.BENCH_OURS_ONLY !== undefined) return figures
    const stock: { write: number; replicate: number }[] = []
    for (let run = 0; run < STOCK_RUNS; run++) stock.push(await stockOnce())
    return {
      ...figures,
      'history.write1000.stock.ms': ms(median(stock.map((run) => run.write))),
      'history.replicate1000.stock.ms': ms(median(stock.map((run) => run.replicate)))
    }
  } finally {
    await Promise.allSettled(browsers.map((b) => b.close()))
    await server.stop()
    await relay.stop()
  }
}

/**
 * CPU time (ms, from /proc, Linux) of every thread of the Chromium processes this run started, by
 * process and thread name: on a shared machine, what a change costs shows here when wall-clock
 * times are noise.
 */
async function chromiumThreadCpu(): Promise<Map<string, number>> {
  const { readdir, readFile } = await import('node:fs/promises')
  const tick = 10
  const statFields = async (path: string): Promise<{ name: string; fields: string[] }> => {
    const stat = await readFile(path, 'utf8')
    return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') }
  }
  const ours = async (pid: string): Promise<boolean> => {
    for (let at = pid; at !== '0' && at !== '1'; at = (await statFields(`/proc/${at}/stat`)).fields[1] ?? '0') if (at === String(process.pid)) return true
    return false
  }
  const out = new Map<string, number>()
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    try {
      const command = await readFile(`/proc/${pid}/cmdline`, 'utf8')
      if (!command.includes('chrom') || !(await ours(pid))) continue
      const type = /--type=(\w+)/.exec(command)?.[1] ?? 'browser'
      for (const tid of await readdir(`/proc/${pid}/task`)) {
        const { name, fields } = await statFields(`/proc/${pid}/task/${tid}/stat`)
        const key = `${pid} ${type} ${name.replace(/\d+$/, '#')}`
        out.set(key, (out.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) * tick)
      }
    } catch {
      // The process ended meanwhile.
    }
  }
  return out
}

function doctorEncryptionKey(doctor: BenchPerson): string {
  const keys = deriveWalletKeys(hexToBytes(doctor.keySignature.slice(2)))
  return Array.from(keys.encryption.publicKey, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Runs this file inside a fresh private network namespace and reads the figures it prints. */
async function browserFiguresInNamespace(): Promise<Figures> {
  const pageDir = await buildBenchPage()
  return await figuresFromPrivateNetwork('history.ts', ['--browsers', pageDir], FIGURES_LINE, 'browser benchmark')
}

async function nodeFigures(): Promise<Figures> {
  const [patient, doctor] = await Promise.all([benchPerson('Patient'), benchPerson('Doctor')])
  const ours = await nodeOurs(patient, doctor)
  const stock = await nodeStock(patient)
  return {
    'history.write1000.node.ms': ms(ours.write),
    'history.replicate1000.node.ms': ms(ours.replicate),
    'history.write1000.stock.node.ms': ms(stock.write),
    'history.replicate1000.stock.node.ms': ms(stock.replicate)
  }
}

export async function measureHistory(): Promise<Figures> {
  return { ...(await browserFiguresInNamespace()), ...(await nodeFigures()) }
}

if (import.meta.main) {
  const [mode, pageDir] = process.argv.slice(2)
  if (mode === '--browsers' && pageDir !== undefined) {
    if (process.env.ANAMNESIS_PRIVATE_NETWORK !== '1') throw new Error(`run the browser part inside the private network (${PRIVATE_NETWORK_ADDRESS})`)
    browserFigures(pageDir).then(
      (figures) => {
        console.log(FIGURES_LINE + JSON.stringify(figures))
        process.exit(0)
      },
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      }
    )
  } else {
    const measure = mode === '--node' ? nodeFigures : mode === '--browser' ? browserFiguresInNamespace : measureHistory
    measure().then(
      (figures) => {
        for (const [name, { value, unit }] of Object.entries(figures)) console.log(`${name.padEnd(38)} ${value.toLocaleString('en')} ${unit}`)
        process.exit(0)
      },
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      }
    )
  }
}
