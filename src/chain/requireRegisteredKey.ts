// A grant is useless to someone who has not published an encryption key: nothing can be
// wrapped for them. Checked before any transaction so the patient hears it first.
import type { Address } from 'viem'
import { shortAddress } from './address.ts'
import { ChainError } from './ChainError.ts'
import { readEncryptionKey } from './readEncryptionKey.ts'
import type { ChainClient } from './client.ts'

/**
 * Checks that `user` has published an encryption key, without which nothing can be shared with them.
 *
 * @param role - Who `user` is ("doctor"), for the message.
 * @throws {ChainError} `NO_ENCRYPTION_KEY` when they have not, and `CHAIN_UNREACHABLE` or
 *   `TRANSACTION_FAILED` when the key registry cannot be read.
 */
export async function requireRegisteredKey(client: ChainClient, { registry, user, role }: { registry: Address; user: Address; role: string }): Promise<void> {
  const key = await readEncryptionKey(client, { registry, user })
  if (key === null) {
    throw new ChainError(
      'NO_ENCRYPTION_KEY',
      `The ${role} ${shortAddress(user)} has not registered an encryption key yet, so they could not read anything shared with them. Ask them to open Anamnesis and register first.`,
      { details: user }
    )
  }
}
