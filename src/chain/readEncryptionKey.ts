// Reads the X25519 public key a user has published in the key registry, with its version.
import { getAddress, isAddress, type Address, type Hex } from 'viem'
import { keyRegistryAbi } from './abi.generated.ts'
import { ChainError, toChainError } from './ChainError.ts'
import type { ChainClient } from './client.ts'

const NO_KEY = `0x${'0'.repeat(64)}`

/** What {@link readEncryptionKey} needs: the key registry's address and the user's address. */
export interface ReadEncryptionKeyParameters {
  registry: Address
  user: string
}

/** A key as the registry holds it: the X25519 public key and the version it was published as. */
export interface RegisteredKey {
  /** The 32-byte X25519 public key, 0x-prefixed lowercase hex. */
  key: Hex
  /** 1 for a first key, one more for each replacement. */
  version: number
}

/**
 * The X25519 public key a user has published in the key registry and its version, or null if
 * they have not published one.
 *
 * @throws {ChainError} `INVALID_ADDRESS` when `user` is not an address (a mixed-case one must
 *   pass its checksum), and `CHAIN_UNREACHABLE` or `TRANSACTION_FAILED` when the registry cannot be read.
 */
export async function readEncryptionKey(client: ChainClient, { registry, user }: ReadEncryptionKeyParameters): Promise<RegisteredKey | null> {
  if (!isAddress(user)) throw new ChainError('INVALID_ADDRESS', `"${user}" is not an Ethereum address (0x followed by 40 hex digits).`)
  try {
    const [key, version] = await client.readContract({ address: registry, abi: keyRegistryAbi, functionName: 'keyOf', args: [getAddress(user)] })
    return key === NO_KEY ? null : { key: key.toLowerCase() as Hex, version }
  } catch (error) {
    throw toChainError(error, 'read the registered encryption key')
  }
}
