// The keeper under load: one keeper process (`npm run keeper`, LevelDB on disk, a real local chain)
// holding PATIENTS enrolled patients of RECORDS records each, plus PULLERS patients of PULL_RECORDS
// records each; then PULLERS Node clients, each one of those patients' other devices, dial the keeper
// over loopback WebSockets at once and each pull its whole history over the sync protocol.
//
// - keeper.load.pull50.p95.ms: the 95th percentile of the clients' times, each from its dial to the
//   end of its pull (every entry received). The clients speak the protocol with the project's own
//   pullLog and count what they receive without checking or storing it: on a patient's device those
//   checks run on that device (history.replicate1000.* measures them), here they would only take
//   the keeper's cores.
// - keeper.load.rss.mb: the keeper process's peak resident memory (VmHWM) over its start and the
//   load (it opens the 50 logs as they are pulled), in MiB.
// - keeper.disk.bytesPerRecord: the data folder's size on disk divided by the records it holds.
//
// The data folder is prepared once and reused (.stack/bench-keeper-load-…): each patient's history
// is written by the patient's own identity (signed and encrypted as the app does) straight into the
// keeper's stores, and the enrolment stored as the keeper stores it, so the run starts with a keeper
// that already holds everything. The chain is a fresh anvil each run: its deployment's addresses, and
// so the identities' domain, are the same every time (checked against the folder's manifest).
//
// `npm run bench:keeper-load` (or `node bench/keeperLoad.ts`) prints the figures; PATIENTS, RECORDS,
// PULLERS and PULL_RECORDS in the environment change the scale. It is not part of `npm run bench`:
// preparing the folder the first time takes minutes.
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { hexToBytes } from '@noble/hashes/utils.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core'
import { LevelBlockstore } from 'blockstore-level'
import { MemoryDatastore } from 'datastore-core'
import { LevelDatastore } from 'datastore-level'
import { Key } from 'interface-datastore'
import { keccak256, toHex, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { startAnvil } from '../scripts/stack/anvil.ts'
import { deployContracts } from '../scripts/stack/deploy.ts'
import { startKeeperProcess } from '../scripts/stack/keeper.ts'
import { deployerAccount } from '../src/chain/devAccounts.ts'
import { firstEpochKeyring, signingDomain, type SigningDomain } from '../src/crypto/index.ts'
import { openPatientHistory } from '../src/history/index.ts'
import { startHistoryOrbit, startP2PNode, useIdentityDomain, type P2PNode } from '../src/p2p/index.ts'
import { pullLog } from '../src/p2p/syncProtocol.ts'
import { bloodPressureSeries } from '../test/fixtures/recordFixtures.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../test/support/walletSignatures.ts'
import type { Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
const scale = {
  patients: Number(process.env.PATIENTS ?? 1000),
  records: Number(process.env.RECORDS ?? 100),
  pullers: Number(process.env.PULLERS ?? 50),
  pullRecords: Number(process.env.PULL_RECORDS ?? 1000)
}
/** Patients written into the folder at a time: their writes overlap LevelDB's. */
const PREPARE_AT_ONCE = 4
const ENROLMENT_PREFIX = '/anamnesis/keeper/patient/'
/** The form of the logs' batch records: 2 names each entry's size and writer identity (logStore.ts), which a keeper opens a log from without reading its blocks. */
const BATCH_FORMAT = 2

interface Manifest {
  domain: SigningDomain
  scale: typeof scale
  /** The first puller's identity hash: another when the identities' form changed, and the folder is prepared again. */
  identity: string
  /** The batch records' form (BATCH_FORMAT): a folder of an older form is prepared again. */
  batchFormat?: number
  /** The pullers' log addresses, in order. */
  pullerLogs: string[]
  prepareMs: number
}

const privateKeyOf = (role: 'patient' | 'puller', index: number): Hex => keccak256(toHex(`anamnesis bench keeper-load ${role} ${index}`))

/** Writes `records` records of a new patient straight into the keeper's stores, and enrols them as the keeper records it. */
async function preparePatient(node: P2PNode, domain: SigningDomain, privateKey: Hex, records: number): Promise<string> {
  const patient = await walletIdentityOf(privateKeyToAccount(privateKey), domain)
  const orbit = await startHistoryOrbit({ node, identity: patient.identity })
  try {
    const log = await orbit.openLog(patient.address)
    const history = openPatientHistory({ log, keyring: firstEpochKeyring(patient.keys.encryption.secretKey, patient.address) })
    await history.addMany(bloodPressureSeries(patient.address, records))
    if (log.entries().length !== records) throw new Error(`patient ${patient.address} wrote ${log.entries().length} entries, not ${records}`)
    const now = Date.now()
    await node.datastore.put(new Key(`${ENROLMENT_PREFIX}${patient.address}`), new TextEncoder().encode(JSON.stringify({ quota: 1 << 30, at: now, enrolledAt: now, lastSyncedAt: now })))
    return log.address
  } finally {
    await orbit.stop()
  }
}

async function prepare(dataDir: string, domain: SigningDomain, identity: string): Promise<Manifest> {
  await rm(dataDir, { recursive: true, force: true })
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const blockstore = new LevelBlockstore(path.join(dataDir, 'blocks'))
  const datastore = new LevelDatastore(path.join(dataDir, 'data'))
  await blockstore.open()
  await datastore.open()
  const start = performance.now()
  const node = await startP2PNode({ relays: [], blockstore, datastore })
  try {
    const jobs: (() => Promise<string>)[] = [
      ...Array.from({ length: scale.pullers }, (_, i) => () => preparePatient(node, domain, privateKeyOf('puller', i), scale.pullRecords)),
      ...Array.from({ length: scale.patients }, (_, i) => () => preparePatient(node, domain, privateKeyOf('patient', i), scale.records))
    ]
    const results: string[] = new Array<string>(jobs.length)
    let next = 0
    let done = 0
    await Promise.all(
      Array.from({ length: PREPARE_AT_ONCE }, async () => {
        while (next < jobs.length) {
          const index = next++
          results[index] = await (jobs[index] as () => Promise<string>)()
          done += 1
          if (done % 100 === 0) console.error(`prepared ${done} of ${jobs.length} patients in ${Math.round((performance.now() - start) / 1000)} s`)
        }
      })
    )
    const manifest: Manifest = { domain, scale, identity, batchFormat: BATCH_FORMAT, pullerLogs: results.slice(0, scale.pullers), prepareMs: Math.round(performance.now() - start) }
    return manifest
  } finally {
    await node.stop()
    await blockstore.close()
    await datastore.close()
  }
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size
  }
  return total
}

async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1])
  if (!Number.isFinite(kib)) throw new Error(`no VmHWM for process ${pid}`)
  return kib * 1024
}

/** One client: a patient's other device, a node of its own; from its dial to its last entry received. */
async function pullAll(node: P2PNode, keeper: { multiaddr: string; peerId: string; address: string }, puller: Awaited<ReturnType<typeof walletIdentityOf>>, log: string): Promise<number> {
  const start = performance.now()
  const step = (what: () => string) => (error: unknown) => {
    throw new Error(`a client's ${what()} failed after ${Math.round(performance.now() - start)} ms`, { cause: error })
  }
  await node.libp2p.dial(multiaddr(keeper.multiaddr), { signal: AbortSignal.timeout(60_000) }).catch(step(() => 'dial'))
  let received = 0
  const { identity } = puller
  await pullLog(node.libp2p, peerIdFromString(keeper.peerId), {
    address: log,
    have: [],
    authority: {
      identity: identity.bytes,
      sign: async (data) => hexToBytes(await identity.sign(identity, data)),
      admits: (wallet) => Promise.resolve(wallet === keeper.address)
    },
    sink: {
      receive: (frame) => {
        received += frame.entries.length
        return Promise.resolve(frame.entries.length)
      },
      finish: () => Promise.resolve()
    },
    signal: AbortSignal.timeout(300_000)
  }).catch(step(() => `pull (${received} entries received)`))
  if (received !== scale.pullRecords) throw new Error(`a client received ${received} entries, not ${scale.pullRecords}`)
  return performance.now() - start
}

/** The CPU time a process has used, in seconds (user and system), from /proc: wall time alone misleads on a shared machine. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ').pop()?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

export async function measureKeeperLoad(): Promise<Figures> {
  const anvil = await startAnvil({ port: 0 })
  const stops: (() => Promise<unknown>)[] = [() => anvil.stop()]
  try {
    const contracts = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: deployerAccount.privateKey })
    const domain = signingDomain({ origin: TEST_DOMAIN.origin, chainId: anvil.chainId, verifyingContract: contracts.keyRegistry })
    useIdentityDomain(domain)
    const dataDir = path.join(root, '.stack', `bench-keeper-load-${scale.patients}x${scale.records}-${scale.pullers}x${scale.pullRecords}`)
    const manifestFile = path.join(dataDir, 'bench-manifest.json')
    const pullers = await Promise.all(Array.from({ length: scale.pullers }, (_, i) => walletIdentityOf(privateKeyToAccount(privateKeyOf('puller', i)), domain)))
    const identity = pullers[0]?.identity.hash ?? ''
    let manifest = await readFile(manifestFile, 'utf8').then((text) => JSON.parse(text) as Manifest, () => undefined)
    if (manifest === undefined || manifest.identity !== identity || manifest.batchFormat !== BATCH_FORMAT || JSON.stringify(manifest.domain) !== JSON.stringify(domain) || JSON.stringify(manifest.scale) !== JSON.stringify(scale)) {
      console.error(`preparing ${scale.patients} patients of ${scale.records} records and ${scale.pullers} of ${scale.pullRecords} in ${dataDir}`)
      manifest = await prepare(dataDir, domain, identity)
      await writeFile(manifestFile, JSON.stringify(manifest, null, 2))
    }
    const held = scale.patients * scale.records + scale.pullers * scale.pullRecords
    const diskBytes = (await folderBytes(dataDir)) - (await stat(manifestFile)).size
    console.error(`the folder (prepared in ${Math.round(manifest.prepareMs / 1000)} s): ${(diskBytes / 2 ** 20).toFixed(1)} MiB for ${held} records`)

    const keeperStart = performance.now()
    let failedSyncs = 0
    const keeper = await startKeeperProcess({
      dataDir,
      port: 0,
      rpcUrl: anvil.rpcUrl,
      origin: domain.origin,
      contracts,
      startTimeout: 600_000,
      log: (line) => {
        if (line.includes('failed')) failedSyncs += 1
      }
    })
    stops.push(() => keeper.stop())
    console.error(`the keeper started, holding ${scale.patients + scale.pullers} histories, in ${Math.round(performance.now() - keeperStart)} ms (${(await peakRssBytes(keeper.pid) / 2 ** 20).toFixed(0)} MiB peak so far)`)

    const nodes = await Promise.all(pullers.map(() => startP2PNode({ relays: [], blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })))
    stops.push(() => Promise.allSettled(nodes.map((node) => node.stop())))
    const cpuBefore = await cpuSeconds(keeper.pid)
    const clientsCpuBefore = process.cpuUsage()
    const loadStart = performance.now()
    const times = await Promise.all(pullers.map((puller, i) => pullAll(nodes[i] as P2PNode, keeper, puller, manifest.pullerLogs[i] ?? ''))).catch((error: unknown) => {
      console.error(`a pull failed; the keeper's last lines:\n${keeper.lines.slice(-5).join('\n')}`)
      throw error
    })
    const wall = performance.now() - loadStart
    const rss = await peakRssBytes(keeper.pid)
    const cpuLoad = (await cpuSeconds(keeper.pid)) - cpuBefore
    const clientsCpu = process.cpuUsage(clientsCpuBefore)
    if (failedSyncs > 0) console.error(`the keeper logged ${failedSyncs} failed syncs`)
    console.error(`${scale.pullers} pulls of ${scale.pullRecords} entries at once: all done in ${Math.round(wall)} ms; median ${Math.round(percentile(times, 50))} ms, p95 ${Math.round(percentile(times, 95))} ms, slowest ${Math.round(Math.max(...times))} ms; the keeper used ${cpuLoad.toFixed(1)} s of CPU (${cpuBefore.toFixed(1)} s before, starting), the clients ${((clientsCpu.user + clientsCpu.system) / 1e6).toFixed(1)} s`)
    return {
      'keeper.load.pull50.p95.ms': { value: Math.round(percentile(times, 95)), unit: 'ms' },
      'keeper.load.rss.mb': { value: Math.round(rss / 2 ** 20), unit: 'mb' },
      'keeper.disk.bytesPerRecord': { value: Math.round(diskBytes / held), unit: 'bytes' }
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
  }
}

// Run directly (node bench/keeperLoad.ts) or through npm run bench:keeper-load, whose scripts/run.mjs imports it.
if (import.meta.main || process.argv[1] === import.meta.filename) {
  measureKeeperLoad().then(
    async (figures) => {
      for (const [name, { value, unit }] of Object.entries(figures)) console.log(`${name.padEnd(38)} ${value.toLocaleString('en')} ${unit}`)
      // Kept beside `npm run bench`'s figures in bench/results.json, which that run leaves in place.
      const file = path.join(import.meta.dirname, 'results.json')
      const known = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Figures
      const all: Figures = { ...known, ...figures }
      await writeFile(file, JSON.stringify(Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b))), null, 2) + '\n')
      process.exit(0)
    },
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    }
  )
}
