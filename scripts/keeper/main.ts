// `npm run keeper`: an always-on, blind copy of the histories of the patients who enrol it. A Node
// process on the project's own libp2p stack: its blocks and data on disk (blockstore-level,
// datastore-level) in its data folder, with its peer id (in the datastore) and its account (a file
// of mode 0600); a WebSockets listener a browser dials directly. One log line per patient event;
// SIGTERM or Ctrl-C stops it cleanly.
//
// Flags (each also from an environment variable):
//   --data      ANAMNESIS_KEEPER_DATA      data folder (default .stack/keeper)
//   --host      ANAMNESIS_KEEPER_HOST      interface to listen on (default 127.0.0.1)
//   --port      ANAMNESIS_KEEPER_PORT      WebSockets port (default 9092)
//   --rpc       ANAMNESIS_KEEPER_RPC       the chain's RPC URL (default http://127.0.0.1:8545)
//   --origin    ANAMNESIS_KEEPER_ORIGIN    the app's origin, as identities bind it (e.g. https://app.example)
//   --registry  ANAMNESIS_KEEPER_REGISTRY  the key registry's address (config.json contracts.keyRegistry)
//   --ledger    ANAMNESIS_KEEPER_LEDGER    the consent ledger's address (config.json contracts.consentLedger)
//   --accept    ANAMNESIS_KEEPER_ACCEPT    anyone | list:<file of patient addresses> | code:<file of codes>
//   --links-port ANAMNESIS_KEEPER_LINKS_PORT  HTTP port for SMART Health Link manifests (none by default: no links)
//   --links-url  ANAMNESIS_KEEPER_LINKS_URL   their public base URL (default http://<host>:<port>/shl; https behind a TLS terminator)
// In production, put it behind a TLS terminator (wss://) and give patients the wss multiaddr.
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { LevelDatastore } from 'datastore-level'
import { createPublicClient, http, isAddress, type Address } from 'viem'
import { createChainClient, EMERGENCY_SCOPE, isGrantLive, isGuardianOf, latestBreakGlass, mayWriteHistory, readEncryptionKey } from '../../src/chain/index.ts'
import { signingDomain } from '../../src/crypto/index.ts'
import { errorMessage } from '../../src/errors/index.ts'
import { serveEmergencyCards, serveShareLinks, startKeeper, type AcceptPolicy, type EmergencyEvent, type KeeperEvent, type LinkEvent, type ShareLinks } from '../../src/keeper/index.ts'
import { startP2PNode } from '../../src/p2p/index.ts'
import { BatchedLevelBlockstore } from './batchedLevelBlockstore.ts'
import { emergencyCardFiles, handedKeyFiles } from './emergencyFiles.ts'
import { keeperIdentity, loadOrCreateAccount } from './keeperIdentity.ts'
import { linkFiles } from './linkFiles.ts'
import { LINK_PATH, startLinkServer, type LinkServer } from './linkServer.ts'

const root = path.resolve(import.meta.dirname, '../..')

/** Why the keeper cannot start: a flag, a file or the chain; said in one sentence. */
class KeeperStartError extends Error {
  override name = 'KeeperStartError'
}

interface Settings {
  data: string
  host: string
  port: number
  rpc: string
  origin: string
  registry: Address
  ledger: Address
  accept: string
  linksPort: number | undefined
  linksUrl: string | undefined
}

function settings(): Settings {
  const env = process.env
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: env.ANAMNESIS_KEEPER_DATA ?? path.join(root, '.stack', 'keeper') },
      host: { type: 'string', default: env.ANAMNESIS_KEEPER_HOST ?? '127.0.0.1' },
      port: { type: 'string', default: env.ANAMNESIS_KEEPER_PORT ?? '9092' },
      rpc: { type: 'string', default: env.ANAMNESIS_KEEPER_RPC ?? 'http://127.0.0.1:8545' },
      origin: { type: 'string', default: env.ANAMNESIS_KEEPER_ORIGIN },
      registry: { type: 'string', default: env.ANAMNESIS_KEEPER_REGISTRY },
      ledger: { type: 'string', default: env.ANAMNESIS_KEEPER_LEDGER },
      accept: { type: 'string', default: env.ANAMNESIS_KEEPER_ACCEPT ?? 'anyone' },
      'links-port': { type: 'string', default: env.ANAMNESIS_KEEPER_LINKS_PORT },
      'links-url': { type: 'string', default: env.ANAMNESIS_KEEPER_LINKS_URL }
    }
  })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KeeperStartError(`--port must be a port number (0 to 65535); got "${values.port}"`)
  const linksPort = values['links-port'] === undefined || values['links-port'] === '' ? undefined : Number(values['links-port'])
  if (linksPort !== undefined && (!Number.isInteger(linksPort) || linksPort < 0 || linksPort > 65535)) throw new KeeperStartError(`--links-port must be a port number (0 to 65535); got "${String(values['links-port'])}"`)
  const linksUrl = values['links-url'] === undefined || values['links-url'] === '' ? undefined : values['links-url'].replace(/\/+$/, '')
  if (linksUrl !== undefined && !/^https?:\/\/[^/]/.test(linksUrl)) throw new KeeperStartError(`--links-url must be an https: URL, e.g. https://keeper.example/shl; got "${linksUrl}"`)
  if (values.origin === undefined) throw new KeeperStartError('--origin (or ANAMNESIS_KEEPER_ORIGIN) must name the app\'s origin, e.g. https://app.example: identities are bound to it')
  for (const name of ['registry', 'ledger'] as const) {
    const value = values[name]
    if (value === undefined || !isAddress(value)) throw new KeeperStartError(`--${name} must be the deployment's ${name === 'registry' ? 'key registry' : 'consent ledger'} address (config.json contracts.${name === 'registry' ? 'keyRegistry' : 'consentLedger'})`)
  }
  return {
    data: path.resolve(values.data),
    host: values.host,
    port,
    rpc: values.rpc,
    origin: values.origin,
    registry: values.registry as Address,
    ledger: values.ledger as Address,
    accept: values.accept,
    linksPort,
    linksUrl
  }
}

/** The operator's policy from --accept; a list or code file holds one item a line (# starts a comment). */
async function acceptPolicy(spec: string): Promise<AcceptPolicy> {
  if (spec === 'anyone') return { kind: 'anyone' }
  const match = /^(list|code):(.+)$/.exec(spec)
  if (match === null) throw new KeeperStartError(`--accept must be anyone, list:<file of patient addresses> or code:<file of enrolment codes>; got "${spec}"`)
  const [, kind = '', file = ''] = match
  let text: string
  try {
    text = await readFile(path.resolve(file), 'utf8')
  } catch (error) {
    throw new KeeperStartError(`--accept ${kind}: cannot read ${file}: ${errorMessage(error)}`)
  }
  const items = text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter((line) => line !== '')
  if (kind === 'code') return { kind: 'code', codes: new Set(items) }
  const bad = items.find((item) => !isAddress(item))
  if (bad !== undefined) throw new KeeperStartError(`--accept list: "${bad}" in ${file} is not a wallet address`)
  return { kind: 'list', patients: new Set(items.map((item) => item.toLowerCase())) }
}

function describe(event: KeeperEvent): string {
  switch (event.type) {
    case 'enrolled':
      return `enrolled ${event.patient} (quota ${event.quota} bytes)`
    case 'removed':
      return `removed ${event.patient}: forgot ${event.entries} entries (${event.blocks} blocks deleted)`
    case 'refused':
      return `refused ${event.kind ?? 'a request'}${event.patient === undefined ? '' : ` from ${event.patient}`}: ${event.reason} (${event.why})`
    case 'synced':
      return `synced ${event.entries} entries of ${event.patient} (holding ${event.held.entries} entries, ${event.held.bytes} bytes)`
    case 'quota-reached':
      return `quota reached for ${event.patient}: holding ${event.held} of ${event.quota} bytes, refusing new entries`
    case 'disk-full':
      return `disk full: refusing new entries of ${event.patient} (${event.error})`
    case 'sync-error':
      return `sync with a peer of ${event.patient} failed: ${event.error}`
    case 'files':
      return `fetched ${event.stored} attached files of ${event.patient}${event.failed === 0 ? '' : `, ${event.failed} failed (${event.error ?? 'no reason'})`}`
  }
}

function describeEmergency(event: EmergencyEvent): string {
  switch (event.type) {
    case 'card-stored':
      return `${event.replaced ? 'replaced' : 'stored'} the emergency card of ${event.patient} (${event.bytes} bytes)`
    case 'card-released':
      return `released the emergency card of ${event.patient} to ${event.clinician} (break-glass reason ${event.reasonCode})`
    case 'card-refused':
      return `refused emergency ${event.kind}${event.patient === undefined ? '' : ` for ${event.patient}`}${event.clinician === undefined ? '' : ` by ${event.clinician}`}: ${event.reason} (${event.why})`
    case 'card-forgotten':
      return `forgot the emergency card of ${event.patient}`
    case 'keys-kept':
      return `kept the emergency keys guardian ${event.guardian} left for ${event.doctor}, of ${event.patient} (${event.bytes} bytes)`
    case 'keys-taken':
      return `gave ${event.doctor} the emergency keys of ${event.patient}`
    case 'keys-refused':
      return `refused emergency keys (${event.kind})${event.patient === undefined ? '' : ` for ${event.patient}`}${event.wallet === undefined ? '' : ` by ${event.wallet}`}: ${event.reason} (${event.why})`
  }
}

function describeLink(event: LinkEvent): string {
  switch (event.type) {
    case 'link-stored':
      return `stored a shared link of ${event.patient} (${event.bytes} bytes${event.passcode ? ', with a passcode' : ''})`
    case 'link-opened':
      return `a shared link of ${event.patient} was opened`
    case 'link-passcode-wrong':
      return `wrong passcode for a shared link of ${event.patient} (${event.remaining} attempts left)`
    case 'link-stopped':
      return `stopped a shared link of ${event.patient} (${event.why})`
    case 'link-refused':
      return `refused ${event.kind} of a shared link${event.patient === undefined ? '' : ` for ${event.patient}`}: ${event.reason} (${event.why})`
  }
}

async function main(): Promise<void> {
  const options = settings()
  const accept = await acceptPolicy(options.accept)
  await mkdir(options.data, { recursive: true, mode: 0o700 })

  let chainId: number
  try {
    chainId = await createPublicClient({ transport: http(options.rpc, { retryCount: 0, timeout: 5_000 }) }).getChainId()
  } catch (error) {
    throw new KeeperStartError(`no chain answers at ${options.rpc} (--rpc): ${errorMessage(error)}`)
  }
  const domain = signingDomain({ origin: options.origin, chainId, verifyingContract: options.registry })
  const account = await loadOrCreateAccount(options.data)
  const identity = await keeperIdentity(account.privateKey, domain)

  const blockstore = new BatchedLevelBlockstore(path.join(options.data, 'blocks'))
  const datastore = new LevelDatastore(path.join(options.data, 'data'))
  await blockstore.open()
  await datastore.open()
  const family = options.host.includes(':') ? 'ip6' : 'ip4'
  // Patients behind one address (a hospital's network, a home router) dial it from the same host.
  const node = await startP2PNode({ relays: [], blockstore, datastore, listen: [`/${family}/${options.host}/tcp/${options.port}/ws`], inboundConnectionThreshold: 100 })

  const client = createChainClient({ id: chainId, name: `Chain ${chainId}`, rpcUrl: options.rpc })
  const log = (line: string): void => console.log(`keeper: ${line}`)
  // Set once the keeper is up: a removed patient's links are forgotten with the history.
  let links: ShareLinks | null = null
  const keeper = await startKeeper({
    node,
    identity,
    accept,
    ledger: {
      isGrantLive: (patient, reader) => isGrantLive(client, { ledger: options.ledger, patient, doctor: reader }),
      mayWrite: (patient, writer) => mayWriteHistory(client, { ledger: options.ledger, patient, writer }),
      isGuardian: (patient, wallet) => isGuardianOf(client, { ledger: options.ledger, patient, guardian: wallet }),
      keyVersionOf: async (wallet) => (await readEncryptionKey(client, { registry: options.registry, user: wallet }))?.version
    },
    onEvent: (event) => {
      log(describe(event))
      if (event.type === 'removed') void emergency.forget(event.patient).catch((error: unknown) => log(`could not forget the emergency card of ${event.patient}: ${errorMessage(error)}`))
      if (event.type === 'removed' && links !== null) void links.forget(event.patient).catch((error: unknown) => log(`could not forget the shared links of ${event.patient}: ${errorMessage(error)}`))
    }
  })
  const emergency = await serveEmergencyCards({
    node,
    identity,
    store: await emergencyCardFiles(options.data),
    handedKeys: await handedKeyFiles(options.data),
    ledger: {
      latestBreakGlass: (patient, clinician) => latestBreakGlass(client, { ledger: options.ledger, patient, clinician }),
      isGuardian: (patient, guardian) => isGuardianOf(client, { ledger: options.ledger, patient, guardian }),
      hasEmergencyAccess: (patient, doctor) => isGrantLive(client, { ledger: options.ledger, patient, doctor, scope: EMERGENCY_SCOPE })
    },
    isEnrolled: (patient) => keeper.patients().includes(patient),
    onEvent: (event) => log(describeEmergency(event))
  })
  // The web server starts first, so the manifest URLs can name the port it was given.
  let linkServer: LinkServer | undefined
  if (options.linksPort !== undefined) {
    linkServer = await startLinkServer(
      { manifest: (id, body) => links?.manifest(id, body) ?? Promise.resolve({ status: 503 }), file: (id, token) => links?.file(id, token) ?? Promise.resolve({ status: 503 }) },
      options.host,
      options.linksPort,
      log
    )
  }
  const linksUrl = linkServer === undefined ? undefined : (options.linksUrl ?? `${linkServer.origin}${LINK_PATH}`)
  links = await serveShareLinks({
    node,
    identity,
    store: await linkFiles(options.data),
    baseUrl: linksUrl,
    isEnrolled: (patient) => keeper.patients().includes(patient),
    onEvent: (event) => log(describeLink(event))
  })

  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    log('stopping')
    await linkServer?.stop()
    await links.stop()
    await emergency.stop()
    await keeper.stop()
    await node.stop()
    await blockstore.close()
    await datastore.close()
    process.exit(0)
  }
  process.once('SIGTERM', () => void stop())
  process.once('SIGINT', () => void stop())

  const listening = node.libp2p.getMultiaddrs().map(String).find((address) => address.includes('/ws/'))
  if (account.created) log(`made a new keeper account in ${options.data}`)
  log(`holding ${keeper.patients().length} patients' histories; accepting ${accept.kind === 'anyone' ? 'anyone' : accept.kind === 'list' ? `the ${accept.patients.size} patients listed` : `the ${accept.codes.size} enrolment codes listed`}`)
  if (linksUrl !== undefined) log(`serving SMART Health Links at ${linksUrl}`)
  log(`ready at ${listening ?? '(no WebSockets address)'} as ${keeper.address}`)
}

main().catch((error: unknown) => {
  console.error(`keeper: ${error instanceof KeeperStartError ? error.message : errorMessage(error)}`)
  process.exit(1)
})
