// The EIP-712 typed data of the wallet signatures that make a user's keys: the one whose
// signature derives them and the one that vouches for the history signing key. The domain names
// the chain and the deployment's key registry; the message names the app's origin, the account
// and (for the derivation) the key version, in words a person reads in their wallet. A signature
// asked for on another origin, chain or deployment, or for another key version, derives other
// keys and vouches for nothing here. Hashed and checked here without viem, as every signature
// check of src/crypto is; the tests compare the digests with viem's hashTypedData.
//
// What a typed signature cannot do: make the wallet refuse a page that names another origin than
// its own. The origin in the message is what the person reads; a wallet that shows the requesting
// site beside it lets them see a mismatch.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { isU32, U32_MAX } from './binaryFields.ts'
import { CryptoError } from './CryptoError.ts'

/** The EIP-712 domain name every signature of the app carries. */
export const SIGNATURE_DOMAIN_NAME = 'Anamnesis'
/** The EIP-712 domain version: the layout of the typed data below, not the key version. */
export const SIGNATURE_DOMAIN_VERSION = '1'

/** Where a signature belongs: the app's origin, and the deployment (its chain and key registry). */
export interface SigningDomain {
  /** The app's origin as the page has it (`location.origin`): scheme, host and port, no path. */
  origin: string
  chainId: number
  /** The deployment's key registry, lowercase. */
  verifyingContract: `0x${string}`
}

/** The field types the app's typed data uses: all atomic or dynamic, no nested structs or arrays. */
export type TypedFieldType = 'string' | 'bytes' | 'address' | 'uint32' | 'uint256'

/** One field of a typed-data struct. */
export interface TypedField {
  name: string
  type: TypedFieldType
}

/** EIP-712 typed data as wallets take it (eth_signTypedData_v4, viem's signTypedData), without the EIP712Domain type, which is implied. */
export interface WalletTypedData {
  domain: { name: string; version: string; chainId: number; verifyingContract: `0x${string}` }
  types: Record<string, readonly TypedField[]>
  primaryType: string
  /** Addresses and bytes as 0x-hex, uint32 as numbers. */
  message: Record<string, string | number>
}

const ADDRESS = /^0x[0-9a-f]{40}$/
const HEX = /^0x(?:[0-9a-f]{2})*$/

/**
 * Checks and normalises a signing domain: an http(s) origin with nothing after it, a positive
 * chain id, a contract address (lowercased).
 *
 * @throws {CryptoError} `INVALID_INPUT` naming the field that is wrong.
 */
export function signingDomain(input: { origin: string; chainId: number; verifyingContract: string }): SigningDomain {
  let origin: string
  try {
    const url = new URL(input.origin)
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== input.origin) throw new Error('not an origin')
    origin = url.origin
  } catch {
    throw new CryptoError('INVALID_INPUT', `A signature names the app's origin (scheme, host and port, as location.origin gives it); got "${input.origin}".`)
  }
  if (!Number.isSafeInteger(input.chainId) || input.chainId <= 0) throw new CryptoError('INVALID_INPUT', `A chain id is a positive integer; got ${String(input.chainId)}.`)
  const verifyingContract = input.verifyingContract.toLowerCase()
  if (!ADDRESS.test(verifyingContract)) throw new CryptoError('INVALID_INPUT', `A signature names the deployment's contract address; got "${input.verifyingContract}".`)
  return { origin, chainId: input.chainId, verifyingContract: verifyingContract as `0x${string}` }
}

function accountOf(account: string): `0x${string}` {
  const address = account.toLowerCase()
  if (!ADDRESS.test(address)) throw new CryptoError('INVALID_INPUT', `Expected a wallet address (0x and 40 hex digits); got "${account}".`)
  return address as `0x${string}`
}

const walletDomain = (domain: SigningDomain): WalletTypedData['domain'] => ({
  name: SIGNATURE_DOMAIN_NAME,
  version: SIGNATURE_DOMAIN_VERSION,
  chainId: domain.chainId,
  verifyingContract: domain.verifyingContract
})

/** The struct a key derivation signs: its name is what a wallet shows as the request's title. */
const UNLOCK_KEYS: readonly TypedField[] = [
  { name: 'purpose', type: 'string' },
  { name: 'origin', type: 'string' },
  { name: 'account', type: 'address' },
  { name: 'keyVersion', type: 'uint32' }
]

/**
 * The typed data whose signature derives every key of `account`, version `version`, for this app
 * and deployment. Its signature is itself a secret: whoever holds it derives those keys.
 *
 * @param version - The key version (1 for the first keys; each replacement adds one), as the key registry records it.
 * @throws {CryptoError} `INVALID_INPUT` for a malformed domain or account, or a version that is not 1 to 2^32 - 1.
 */
export function keyDerivationTypedData(input: { domain: SigningDomain; account: string; version: number }): WalletTypedData {
  const domain = signingDomain(input.domain)
  if (!isU32(input.version) || input.version < 1) throw new CryptoError('INVALID_INPUT', `A key version is an integer from 1 to ${U32_MAX}; got ${String(input.version)}.`)
  return {
    domain: walletDomain(domain),
    types: { UnlockKeys: UNLOCK_KEYS },
    primaryType: 'UnlockKeys',
    message: {
      purpose: `Unlock your Anamnesis keys on ${domain.origin}. This signature never leaves this device: it derives the keys that encrypt your medical history here. It sends no transaction and costs nothing. Sign it only on ${domain.origin}.`,
      origin: domain.origin,
      account: accountOf(input.account),
      keyVersion: input.version
    }
  }
}

const BIND_SIGNING_KEY: readonly TypedField[] = [
  { name: 'purpose', type: 'string' },
  { name: 'origin', type: 'string' },
  { name: 'account', type: 'address' },
  { name: 'signingKey', type: 'bytes' },
  { name: 'keyVersion', type: 'uint32' }
]

/**
 * The typed data by which `account` vouches for its history signing key of key version
 * `keyVersion`, for this app and deployment. Public: every peer checks it, and learns from it which
 * version of the account's keys wrote an entry, so that once the account replaced those keys, the
 * old signing key (derivable by whoever holds the old derivation signature) is known as retired.
 *
 * @param signingKey - The compressed secp256k1 key (33 bytes) that signs the account's history entries.
 * @param keyVersion - The key version the signing key was derived for (keyDerivationTypedData's `version`).
 * @throws {CryptoError} `INVALID_INPUT` for a malformed domain or account, a key that is not 33 bytes,
 *   or a version that is not 1 to 2^32 - 1.
 */
export function identityBindingTypedData(input: { domain: SigningDomain; account: string; signingKey: Uint8Array; keyVersion: number }): WalletTypedData {
  const domain = signingDomain(input.domain)
  if (!(input.signingKey instanceof Uint8Array) || input.signingKey.length !== 33) throw new CryptoError('INVALID_INPUT', 'A history signing key is a compressed secp256k1 key of 33 bytes.')
  if (!isU32(input.keyVersion) || input.keyVersion < 1) throw new CryptoError('INVALID_INPUT', `A key version is an integer from 1 to ${U32_MAX}; got ${String(input.keyVersion)}.`)
  return {
    domain: walletDomain(domain),
    types: { BindHistorySigningKey: BIND_SIGNING_KEY },
    primaryType: 'BindHistorySigningKey',
    message: {
      purpose: `Vouch for your Anamnesis history signing key (key version ${input.keyVersion}) on ${domain.origin}: entries signed with it were written by your account. It sends no transaction and costs nothing.`,
      origin: domain.origin,
      account: accountOf(input.account),
      signingKey: `0x${bytesToHex(input.signingKey)}`,
      keyVersion: input.keyVersion
    }
  }
}

const DOMAIN_TYPE: readonly TypedField[] = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' }
]

function word(value: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 31, v = value; i >= 0 && v > 0n; i--, v >>= 8n) out[i] = Number(v & 0xffn)
  return out
}

/** encodeData of one field (EIP-712): dynamic values as their keccak, atomic ones as one 32-byte word. */
function encodeField(field: TypedField, value: unknown): Uint8Array {
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') break
      return keccak_256(utf8ToBytes(value))
    case 'bytes':
      if (typeof value !== 'string' || !HEX.test(value)) break
      return keccak_256(hexToBytes(value.slice(2)))
    case 'address':
      if (typeof value !== 'string' || !ADDRESS.test(value.toLowerCase())) break
      return word(BigInt(value))
    case 'uint32':
      if (!isU32(value)) break
      return word(BigInt(value))
    case 'uint256':
      // Numbers only, as chain ids are here: up to 2^53 - 1.
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) break
      return word(BigInt(value))
  }
  throw new CryptoError('INVALID_INPUT', `The typed-data field "${field.name}" is not a valid ${field.type}.`)
}

function hashStruct(name: string, fields: readonly TypedField[], values: Record<string, unknown>): Uint8Array {
  const typeHash = keccak_256(utf8ToBytes(`${name}(${fields.map((f) => `${f.type} ${f.name}`).join(',')})`))
  return keccak_256(concatBytes(typeHash, ...fields.map((field) => encodeField(field, values[field.name]))))
}

/**
 * The EIP-712 digest a wallet signs for `data`: keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(message)).
 *
 * @throws {CryptoError} `INVALID_INPUT` when the primary type is not defined or a field's value does not fit its type.
 */
export function typedDataDigest(data: WalletTypedData): Uint8Array {
  const fields = data.types[data.primaryType]
  if (fields === undefined) throw new CryptoError('INVALID_INPUT', `The typed data defines no type "${data.primaryType}".`)
  const domainSeparator = hashStruct('EIP712Domain', DOMAIN_TYPE, data.domain)
  return keccak_256(concatBytes(Uint8Array.of(0x19, 0x01), domainSeparator, hashStruct(data.primaryType, fields, data.message)))
}

/**
 * The address that signed `data` with this 65-byte signature (r ‖ s ‖ v, v in {0, 1, 27, 28}),
 * lowercase; undefined when the signature is malformed or high-s (EIP-2: wallets give low-s, and
 * refusing the twin keeps one signature per message), or the data cannot be hashed.
 * Never throws: the signature may come from a peer.
 */
export function typedDataSigner(data: WalletTypedData, signature: Uint8Array): `0x${string}` | undefined {
  if (!(signature instanceof Uint8Array) || signature.length !== 65) return undefined
  const v = signature[64] ?? 0
  const recovery = v >= 27 ? v - 27 : v
  if (recovery !== 0 && recovery !== 1) return undefined
  try {
    const sig = secp256k1.Signature.fromBytes(signature.subarray(0, 64), 'compact')
    if (sig.hasHighS()) return undefined
    const publicKey = sig.addRecoveryBit(recovery).recoverPublicKey(typedDataDigest(data)).toBytes(false)
    return `0x${bytesToHex(keccak_256(publicKey.subarray(1)).subarray(12))}`
  } catch {
    return undefined
  }
}
