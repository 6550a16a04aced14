// An OrbitDB identity bound to a wallet. Its key is the secp256k1 key derived from the
// wallet (src/crypto deriveWalletKeys), held by src/crypto's signer and never in OrbitDB's
// keystore; its id is the wallet address; and the wallet's EIP-712 signature over the key
// (identityBindingTypedData: the app's origin, the chain, the key registry) proves to every
// peer of the same deployment that the address owns the key. A binding signed for another
// origin or deployment vouches for nothing here: peers check it against their own
// (useIdentityDomain, which startHistoryOrbit calls with the domain of the device's identity).
//
// The binding names the key version the signing key was derived for, and the block does not: a
// verifier finds the version by trying (the wallet's registered version first when it is known,
// else 1 to MAX_KEY_VERSION_TRIED), so identity blocks keep their form and their hash, and admission
// can tell an identity of keys the wallet has since replaced (entryAdmission.ts).
//
// Identity block (dag-cbor, as OrbitDB stores identities):
//   { id: <lowercase address>, publicKey: <compressed key, hex>, type: 'anamnesis-wallet',
//     signatures: { id: <key's signature over the id, hex DER>,
//                   publicKey: <wallet's signature over identityBindingTypedData, hex 65 bytes, v 27 or 28> } }
// Everything in it is deterministic (RFC 6979 signatures), so the same wallet gives the
// same identity, with the same hash, on every device and after every reload.
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import type { Identity } from '@orbitdb/core'
import { identityBindingTypedData, signingDomain, typedDataSigner, verifySecp256k1, type Secp256k1Signer, type SigningDomain } from '../crypto/index.ts'
import { decodeCanonical, encodeBlock, hashOfBytes } from './blocks.ts'
import { P2PError } from './p2pError.ts'

/** The identity type OrbitDB records for wallet identities, and the provider's name. */
export const WALLET_IDENTITY_TYPE = 'anamnesis-wallet'

const ADDRESS = /^0x[0-9a-f]{40}$/
const isWalletAddress = (value: string): value is WalletAddress => ADDRESS.test(value)
const HEX = /^(?:[0-9a-f]{2})+$/

/** A wallet address in the lowercase form identities and the history use. */
export type WalletAddress = `0x${string}`

/** An identity whose binding to its wallet address has been checked. */
export interface VerifiedIdentity {
  /** The identity block's hash, as log entries name it. */
  hash: string
  /** The wallet that signed the binding. */
  address: WalletAddress
  /** Compressed secp256k1 public key. */
  publicKey: Uint8Array
  /** The same key as lowercase hex, as log entries carry it. */
  publicKeyHex: string
  /** The version of the wallet's keys the signing key was derived for, as the binding names it. */
  keyVersion: number
}

/** What createWalletIdentity binds: a wallet, the signing key derived from it, and the wallet's signature over the key. */
export interface WalletIdentityInput {
  /** The wallet address (any case). */
  address: string
  /** The identity's signing key, held by src/crypto: secp256k1Signer(deriveWalletKeys(signature).identity.secretKey). */
  signer: Secp256k1Signer
  /** The wallet's signature over identityBindingTypedData({ domain, account: address, signingKey: signer.publicKey, keyVersion }): 65 bytes or 0x-hex. */
  binding: Uint8Array | string
  /** The key version the signing key was derived for, as the key registry numbers it. */
  keyVersion: number
  /** The app's origin and deployment the binding was signed for: this device's own. */
  domain: SigningDomain
}

/** The identity object OrbitDB uses, with this project's verified view of it. */
export interface WalletIdentity extends Identity {
  /** The identity as peers will see it once they have checked it. */
  verified: VerifiedIdentity
  /** Signs with the identity's key (entries, and the sync protocol's hellos): hex DER. */
  sign: NonNullable<Identity['sign']>
  /** The same signature at once, as bytes: for many entries in a row (entryChain.ts). */
  signBytes: (data: Uint8Array) => Uint8Array
  /** Posts the identity's key to a worker of this app that signs its entries (entryChain.ts); the key stays on the device. */
  postKeyTo?(worker: { postMessage(message: unknown): void }): void
  /** The origin and deployment its binding names; peers of this device check identities against it. */
  domain: SigningDomain
}

let registeredDomain: SigningDomain | undefined

/**
 * The origin and deployment this process checks every identity's binding against (OrbitDB's
 * useIdentityProvider registers the provider the same way, once for the process). Until one is
 * registered, no identity from a peer is accepted.
 * @throws {CryptoError} `INVALID_INPUT` for a malformed domain.
 */
export function useIdentityDomain(domain: SigningDomain): void {
  registeredDomain = signingDomain(domain)
}

const domainKey = (domain: SigningDomain): string => `${domain.origin} ${domain.chainId} ${domain.verifyingContract}`

/** Whether the wallet `address` signed `binding` over this signing key as key version `keyVersion`, for this domain. */
function vouches(domain: SigningDomain, address: string, publicKey: Uint8Array, binding: Uint8Array, keyVersion: number): boolean {
  return typedDataSigner(identityBindingTypedData({ domain, account: address, signingKey: publicKey, keyVersion }), binding) === address
}

/**
 * How many key versions a verifier tries, from 1, for a wallet whose registered version it does not
 * know: each try is one signature recovery, and a block that fails costs them all. A wallet replaces
 * its keys rarely; an identity of a version above this verifies only while that version is the registered one.
 */
export const MAX_KEY_VERSION_TRIED = 32

const HINTS_SIZE = 1024
/** The registered key version of wallets, as admission last heard it: the version tried first. */
const versionHints = new Map<WalletAddress, number>()

/**
 * Tells identity checks which key version `address` has registered now, so that its current
 * identity verifies with one try (and one above MAX_KEY_VERSION_TRIED verifies at all). A hint only
 * orders the tries: a wrong one costs one more try and changes no answer below the bound.
 */
export function hintKeyVersion(address: WalletAddress, version: number): void {
  if (!Number.isSafeInteger(version) || version < 1 || version > 0xffff_ffff) return
  versionHints.delete(address)
  if (versionHints.size >= HINTS_SIZE) {
    const oldest = versionHints.keys().next().value
    if (oldest !== undefined) versionHints.delete(oldest)
  }
  versionHints.set(address, version)
}

/** The key version for which `address` signed `binding` over this signing key, or undefined when it vouches for none tried. */
function vouchedVersion(domain: SigningDomain, address: WalletAddress, publicKey: Uint8Array, binding: Uint8Array): number | undefined {
  const hint = versionHints.get(address)
  if (hint !== undefined && vouches(domain, address, publicKey, binding, hint)) return hint
  for (let version = 1; version <= MAX_KEY_VERSION_TRIED; version++) {
    if (version !== hint && vouches(domain, address, publicKey, binding, version)) return version
  }
  return undefined
}

function toBytes(value: Uint8Array | string, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value
  const hex = value.startsWith('0x') ? value.slice(2) : value
  if (!HEX.test(hex.toLowerCase())) throw new P2PError('INVALID_IDENTITY', `${what} is not hex`)
  return hexToBytes(hex.toLowerCase())
}

/**
 * The binding with its recovery byte as most wallets write it (27 or 28): a wallet that writes 0 or 1
 * signs the same thing, and one identity block per wallet key is what peers accept.
 */
function canonicalBinding(binding: Uint8Array): Uint8Array {
  const v = binding[64]
  if (binding.length !== 65 || v === undefined || v > 1) return binding
  const canonical = binding.slice()
  canonical[64] = v + 27
  return canonical
}

/**
 * Builds the wallet-bound identity, and remembers it as verified.
 * @throws {P2PError} `INVALID_IDENTITY` when `address` is not a wallet address, the binding is not
 *   hex, or the binding was not signed by `address` for this key.
 */
export function createWalletIdentity(input: WalletIdentityInput): WalletIdentity {
  const address = input.address.toLowerCase()
  if (!isWalletAddress(address)) throw new P2PError('INVALID_IDENTITY', `"${input.address}" is not a wallet address`)
  const { signer } = input
  const publicKey = signer.publicKey
  const binding = canonicalBinding(toBytes(input.binding, 'The wallet binding signature'))
  const domain = signingDomain(input.domain)
  const { keyVersion } = input
  if (publicKey.length !== 33 || !Number.isSafeInteger(keyVersion) || keyVersion < 1 || keyVersion > 0xffff_ffff || !vouches(domain, address, publicKey, binding, keyVersion)) {
    throw new P2PError('INVALID_IDENTITY', 'The wallet did not sign this signing key for this app, deployment and key version: unlock again to sign the binding', {
      details: `the binding signature does not recover to the address for key version ${String(keyVersion)}`
    })
  }
  const publicKeyHex = bytesToHex(publicKey)
  const signatures = { id: bytesToHex(signer.sign(utf8ToBytes(address))), publicKey: bytesToHex(binding) }
  const block = encodeBlock({ id: address, publicKey: publicKeyHex, signatures, type: WALLET_IDENTITY_TYPE })
  const verified: VerifiedIdentity = { hash: block.hash, address: address, publicKey: publicKey.slice(), publicKeyHex, keyVersion }
  remember(domain, verified)
  return {
    domain,
    id: address,
    publicKey: publicKeyHex,
    signatures,
    type: WALLET_IDENTITY_TYPE,
    hash: block.hash,
    bytes: block.bytes,
    verified,
    sign: (_identity, data) => Promise.resolve(bytesToHex(signer.sign(typeof data === 'string' ? utf8ToBytes(data) : data))),
    signBytes: (data) => signer.sign(data),
    postKeyTo: (worker) => signer.postTo(worker),
    verify: (signature, signer, data) => Promise.resolve(verifySignatureHex(signature, signer, data))
  }
}

/**
 * OrbitDB's verify(signature, publicKey, data) over hex strings: false for anything that is not
 * lowercase hex or does not verify. A string `data` is verified as its UTF-8 bytes.
 */
export function verifySignatureHex(signature: string, publicKey: string, data: string | Uint8Array): boolean {
  if (!HEX.test(signature) || !HEX.test(publicKey)) return false
  return verifySecp256k1(hexToBytes(signature), hexToBytes(publicKey), typeof data === 'string' ? utf8ToBytes(data) : data)
}

const CACHE_SIZE = 256
/** Identities verified, by domain and hash: a block sound for one deployment is not for another. */
const verifiedByHash = new Map<string, VerifiedIdentity>()

function remember(domain: SigningDomain, identity: VerifiedIdentity): void {
  if (verifiedByHash.size >= CACHE_SIZE) {
    const oldest = verifiedByHash.keys().next().value
    if (oldest !== undefined) verifiedByHash.delete(oldest)
  }
  verifiedByHash.set(`${domainKey(domain)} ${identity.hash}`, identity)
}

const recall = (domain: SigningDomain, hash: string): VerifiedIdentity | undefined => verifiedByHash.get(`${domainKey(domain)} ${hash}`)

/**
 * Why `value` (a decoded identity block named `hash`) is not a valid wallet identity, or its verified view.
 * Checked: the type, a lowercase wallet address as id, a compressed key in hex, the key's signature
 * over the id, and the wallet's binding signature over the key for the registered domain
 * (useIdentityDomain) and one key version, which the verified identity names. `hash` is trusted, not recomputed: a hash verified before returns its
 * remembered identity without looking at `value`. For bytes from a peer, use parseIdentityBlock.
 */
export function checkWalletIdentity(value: unknown, hash: string): VerifiedIdentity | string {
  const domain = registeredDomain
  if (domain === undefined) return 'no origin and deployment are registered to check identities against (useIdentityDomain)'
  const known = recall(domain, hash)
  if (known !== undefined) return known
  if (typeof value !== 'object' || value === null) return 'the identity is not an object'
  const { id, publicKey, signatures, type } = value as Record<string, unknown>
  // Only a string is named: String() of a peer's object can throw (a map with a key "toString").
  if (type !== WALLET_IDENTITY_TYPE) return typeof type === 'string' ? `the identity is of type ${type}, not a wallet identity` : 'the identity has no type: it is not a wallet identity'
  if (typeof id !== 'string' || !isWalletAddress(id)) return 'the identity id is not a lowercase wallet address'
  if (typeof publicKey !== 'string' || publicKey.length !== 66 || !HEX.test(publicKey)) return 'the identity key is not a compressed secp256k1 key'
  if (typeof signatures !== 'object' || signatures === null) return 'the identity has no signatures'
  const { id: idSignature, publicKey: binding } = signatures as Record<string, unknown>
  if (typeof idSignature !== 'string' || typeof binding !== 'string' || !HEX.test(binding)) return 'the identity signatures are malformed'
  const key = hexToBytes(publicKey)
  if (!verifySignatureHex(idSignature, publicKey, id)) return 'the identity key did not sign the identity id'
  const keyVersion = vouchedVersion(domain, id, key, hexToBytes(binding))
  if (keyVersion === undefined) return `the wallet ${id} did not sign this identity key for this app and deployment (key versions 1 to ${MAX_KEY_VERSION_TRIED} tried)`
  const verified: VerifiedIdentity = { hash, address: id, publicKey: key, publicKeyHex: publicKey, keyVersion }
  remember(domain, verified)
  return verified
}

/** The fields of an identity block, and of its signatures: nothing more is accepted. */
const IDENTITY_FIELDS = ['id', 'publicKey', 'signatures', 'type']
const SIGNATURE_FIELDS = ['id', 'publicKey']

function hasExactly(value: unknown, fields: readonly string[]): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const keys = Object.keys(value).sort()
  return keys.length === fields.length && keys.every((key, i) => key === [...fields].sort()[i])
}

/**
 * Checks an identity block as it comes from a peer: its hash (computed from the bytes), its
 * canonical dag-cbor form, its exact fields and canonical binding (one block per wallet key), and
 * everything checkWalletIdentity checks. Returns why it fails, or the verified identity.
 */
export function parseIdentityBlock(bytes: Uint8Array): VerifiedIdentity | string {
  const hash = hashOfBytes(bytes)
  const known = registeredDomain === undefined ? undefined : recall(registeredDomain, hash)
  if (known !== undefined) return known
  let value: unknown
  try {
    value = decodeCanonical(bytes)
  } catch {
    return 'the identity block is not canonical dag-cbor'
  }
  // One block per wallet key: the exact fields, and the binding's recovery byte as 27 or 28, so
  // that no one can send the same identity as a second block under another hash.
  if (!hasExactly(value, IDENTITY_FIELDS) || !hasExactly(value.signatures, SIGNATURE_FIELDS)) return 'the identity block has other fields than a wallet identity'
  const binding = value.signatures.publicKey
  if (typeof binding !== 'string' || !/^[0-9a-f]{128}(1b|1c)$/.test(binding)) return 'the identity binding is not a 65-byte signature ending in 27 or 28'
  return checkWalletIdentity(value, hash)
}

/**
 * The identity provider registered with OrbitDB (useIdentityProvider), so every peer can
 * verify wallet identities. It cannot create identities through OrbitDB's keystore, on
 * purpose: use createWalletIdentity, which keeps the key out of any store.
 * @throws {P2PError} `INVALID_IDENTITY`, whenever OrbitDB asks it to make an identity.
 */
export const WalletIdentityProvider = Object.assign(
  () => {
    throw new P2PError('INVALID_IDENTITY', 'Wallet identities are made with createWalletIdentity, not through the OrbitDB keystore')
  },
  {
    type: WALLET_IDENTITY_TYPE,
    /** Whether OrbitDB's identity object is a sound wallet identity: checkWalletIdentity, under the hash the object carries. */
    verifyIdentity: (identity: Identity): Promise<boolean> => Promise.resolve(typeof checkWalletIdentity(identity, identity.hash) !== 'string')
  }
)
