// The patient's side of /anamnesis/share-link/1.0.0 (linkProtocol.ts): leave a SMART Health Link's
// encrypted file with a keeper, read the patient's links and who opened them, deactivate one. Each
// call is one statement signed with the patient's history identity (no wallet prompt).
import { sha256 } from '@noble/hashes/sha2.js'
import type { P2PNode, WalletAddress, WalletIdentity } from '../p2p/index.ts'
import { exchangeWithKeeper, KeeperError, nextAt, type KeeperExchange } from './keeperClient.ts'
import { isLinkRefusal, LINK_ID_LENGTH, LINK_PROTOCOL, MAX_LINK_FILE, passcodeDigest, signLinkStatement, type LinkRefusal, type LinkStatement, type LinkStatementKind } from './linkProtocol.ts'
import type { LinkOpening, LinkState } from './linkStore.ts'

/** Who asks: the patient's wallet-bound history identity and address. */
export interface LinkCaller {
  identity: WalletIdentity
  patient: string
  timeoutMs?: number
}

/** A link as its keeper reports it to the patient. */
export interface KeptLink {
  /** The link's id, base64url: the last part of its manifest URL. */
  id: string
  url: string
  created: number
  /** Unix seconds; 0 for never. */
  expires: number
  passcode: boolean
  state: LinkState
  failures: number
  openings: LinkOpening[]
}

const MESSAGES: Record<LinkRefusal, string> = {
  'bad-signature': 'The keeper could not check that this request is yours: unlock your keys again and retry.',
  'not-enrolled': 'This keeper does not keep your history: enrol it first, then share by link.',
  stale: "The keeper refused a request it took for an old one: check this device's clock and try again.",
  'too-large': `What you chose to share is too large for a link (at most ${MAX_LINK_FILE / 1024 / 1024} MB encrypted): choose fewer categories or a shorter period.`,
  malformed: 'The keeper did not understand the request: it may run another version of Anamnesis.',
  'unknown-link': 'This keeper holds no such link of yours.',
  'too-many': 'You have 20 live links with this keeper: deactivate one you no longer need first.',
  exists: 'The keeper holds a link of this id already: try again.',
  'disk-full': "This keeper's disk is full: it stores nothing new until its operator frees space.",
  'no-links': 'This keeper does not serve links: its operator has not given it a web address for them.'
}

const LINK_EXCHANGE: KeeperExchange = {
  protocol: LINK_PROTOCOL,
  heldBytes: 1024 * 1024,
  unreachable: 'The keeper could not be reached: check that it is online, and try again.',
  stoppedAnswering: 'The keeper stopped answering: try again when it is online.',
  outsideProtocol: 'The keeper answered with something that is not part of the link protocol.'
}

async function call(
  node: Pick<P2PNode, 'libp2p'>,
  keeperAddress: string,
  caller: LinkCaller,
  kind: LinkStatementKind,
  fields: Pick<LinkStatement, 'link' | 'digest' | 'passcode' | 'expires'>,
  extra: Record<string, unknown> = {}
): Promise<Record<string, unknown>> {
  return await exchangeWithKeeper(node, keeperAddress, LINK_EXCHANGE, caller.timeoutMs, async ({ keeper, peer, send, next }) => {
    const statement: LinkStatement = { v: 1, kind, patient: caller.patient.toLowerCase() as WalletAddress, keeper, peer, ...fields, at: nextAt() }
    await send({ t: kind, ...(await signLinkStatement(caller.identity, statement)), ...extra })
    const answer = await next()
    if (answer.t === 'refused') {
      const reason = isLinkRefusal(answer.reason) ? answer.reason : 'malformed'
      throw new KeeperError('KEEPER_REFUSED', MESSAGES[reason], { reason })
    }
    return answer
  })
}

const EMPTY = new Uint8Array(0)
const protocolError = (): KeeperError => new KeeperError('KEEPER_PROTOCOL', LINK_EXCHANGE.outsideProtocol)

/**
 * Leaves a link's encrypted file (its JWE text) with the keeper under `link` (32 random bytes), with
 * the passcode the patient chose, if any, and its expiry (unix seconds, 0 for never). Returns the
 * manifest URL the keeper serves it at.
 * @throws {KeeperError} `KEEPER_REFUSED` with the keeper's reason (not enrolled, too many links, too
 *   large, ...); `KEEPER_UNREACHABLE` or `KEEPER_PROTOCOL` as for the other keeper calls.
 */
export async function storeLink(node: Pick<P2PNode, 'libp2p'>, keeperAddress: string, caller: LinkCaller, request: { link: Uint8Array; file: Uint8Array; passcode?: string; expires: number }): Promise<string> {
  if (request.link.length !== LINK_ID_LENGTH) throw new KeeperError('KEEPER_PROTOCOL', 'A link id is 32 bytes.')
  if (request.file.length > MAX_LINK_FILE) throw new KeeperError('KEEPER_REFUSED', MESSAGES['too-large'], { reason: 'too-large' })
  const answer = await call(
    node,
    keeperAddress,
    caller,
    'link-store',
    { link: request.link, digest: sha256(request.file), passcode: request.passcode === undefined ? EMPTY : passcodeDigest(request.passcode), expires: request.expires },
    { file: request.file, ...(request.passcode === undefined ? {} : { passcode: request.passcode }) }
  )
  if (answer.t !== 'link-stored' || typeof answer.url !== 'string') throw protocolError()
  return answer.url
}

/**
 * Stops a link at the keeper: its manifest answers 404 from now on and its file is deleted.
 * @throws {KeeperError} `KEEPER_REFUSED` with `unknown-link` when the keeper holds no such link of this patient.
 */
export async function deactivateLink(node: Pick<P2PNode, 'libp2p'>, keeperAddress: string, caller: LinkCaller, link: Uint8Array): Promise<void> {
  const answer = await call(node, keeperAddress, caller, 'link-deactivate', { link, digest: EMPTY, passcode: EMPTY, expires: 0 })
  if (answer.t !== 'link-deactivated') throw protocolError()
}

/**
 * The patient's links at the keeper, each with its state and who opened it when.
 * @throws {KeeperError} As storeLink.
 */
export async function listLinks(node: Pick<P2PNode, 'libp2p'>, keeperAddress: string, caller: LinkCaller): Promise<KeptLink[]> {
  const answer = await call(node, keeperAddress, caller, 'link-list', { link: EMPTY, digest: EMPTY, passcode: EMPTY, expires: 0 })
  if (answer.t !== 'links' || !Array.isArray(answer.links)) throw protocolError()
  return answer.links.map((value: unknown): KeptLink => {
    const link = value as Partial<KeptLink> | null
    if (
      link === null ||
      typeof link !== 'object' ||
      typeof link.id !== 'string' ||
      typeof link.url !== 'string' ||
      typeof link.created !== 'number' ||
      typeof link.expires !== 'number' ||
      typeof link.passcode !== 'boolean' ||
      !['active', 'deactivated', 'expired', 'locked'].includes(link.state as string) ||
      typeof link.failures !== 'number' ||
      !Array.isArray(link.openings) ||
      !link.openings.every((o: unknown) => typeof o === 'object' && o !== null && typeof (o as LinkOpening).recipient === 'string' && typeof (o as LinkOpening).at === 'number')
    )
      throw protocolError()
    return { id: link.id, url: link.url, created: link.created, expires: link.expires, passcode: link.passcode, state: link.state as LinkState, failures: link.failures, openings: link.openings }
  })
}
