// Addresses at the edge of the chain domain: parse what a person typed, shorten what the app shows.
import { getAddress, isAddress, zeroAddress, type Address } from 'viem'
import { ChainError } from './ChainError.ts'

/**
 * The checksummed address `value` names, or a ChainError naming the `role` it was meant to fill.
 * The zero address is refused too: nobody holds its key, so granting it anything is a mistake.
 *
 * @param value - The address as typed or pasted; surrounding spaces are ignored.
 * @param role - Who the address is meant to be ("doctor", "guardian"), for the message.
 * @throws {ChainError} `INVALID_ADDRESS` when it is not 0x and 40 hex digits, its mixed case
 *   fails the EIP-55 checksum, or it is the zero address.
 */
export function parseAddress(value: string, role: string): Address {
  const trimmed = value.trim()
  if (!isAddress(trimmed, { strict: false })) {
    throw new ChainError('INVALID_ADDRESS', `The ${role}'s address "${value}" is not an Ethereum address: it should be 0x followed by 40 hexadecimal digits.`)
  }
  // Mixed case carries a checksum (EIP-55); a mismatch almost always means a mistyped character.
  if (!isAddress(trimmed)) {
    throw new ChainError('INVALID_ADDRESS', `The ${role}'s address "${value}" has a typo: its capital letters do not match its checksum. Copy it again.`)
  }
  const address = getAddress(trimmed)
  if (address === zeroAddress) throw new ChainError('INVALID_ADDRESS', `The ${role}'s address cannot be the zero address: nobody holds its key.`)
  return address
}

/**
 * An address as people read it: "0x12Aa…0Cab", the first four and last four hex digits, in the
 * checksum case the address is given in. Fewer digits would make look-alike addresses cheap to make.
 */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address
}
