// A doctor's request to open a patient's history is EIP-712 typed data signed by the doctor's
// wallet, so the patient's app knows which address asks (the name beside it is only self-declared).
// Its domain names this deployment (chain and consent contract) and its message names the app's
// origin, the patient, the invite, the doctor's device and the encryption key the doctor wants the
// patient's keys wrapped for: a signature made for another copy of the app, another chain or
// another deployment verifies here for no one, and the key cannot be swapped on the way.
import { getAddress, recoverTypedDataAddress, type Address, type Hex, type TypedDataDefinition, type WalletClient } from 'viem'
import { getCode } from 'viem/actions'
import { parseAddress } from './address.ts'
import { ChainError, toChainError } from './ChainError.ts'
import type { ChainClient } from './client.ts'

/** The deployment a request is signed for: the chain and the consent contract that will hold the grant. */
export interface VisitRequestDomain {
  chainId: number
  /** The deployment's consent ledger (config.json's contracts.consentLedger). */
  verifyingContract: Address
}

/**
 * What a doctor's request to open a patient's history binds: the app's origin, the invite's
 * token, the patient's address, the doctor's device and the doctor's encryption key.
 */
export interface VisitRequestTerms {
  /** The origin of the app that asks (window.location.origin), e.g. `https://anamnesis.example`. */
  origin: string
  /** The invite's one-time token: 16 bytes as 32 hex digits. */
  token: string
  patient: string
  /** The peer id of the doctor's browser, as the patient's browser sees the connection. */
  doctorPeer: string
  /** The doctor's X25519 public key (32 bytes, 0x-prefixed hex), as they registered it: the patient wraps keys for it. */
  encryptionKey: Hex
}

/** The sentence the doctor reads in their wallet above the request's fields. */
export const VISIT_REQUEST_PURPOSE = 'Ask this patient to open their history to you. Signing sends no transaction.'

const visitRequestTypes = {
  VisitRequest: [
    { name: 'purpose', type: 'string' },
    { name: 'origin', type: 'string' },
    { name: 'patient', type: 'address' },
    { name: 'invite', type: 'bytes16' },
    { name: 'device', type: 'string' },
    { name: 'encryptionKey', type: 'bytes32' }
  ]
} as const

/** The typed data of a request: what the doctor's wallet shows and signs, and what the patient's app checks. */
export type VisitRequestTypedData = TypedDataDefinition<typeof visitRequestTypes, 'VisitRequest'>

/**
 * The EIP-712 typed data a doctor's wallet signs to ask for access: domain "Anamnesis" version 1
 * on the deployment's chain and consent contract; the purpose in words, the origin, the patient
 * (checksummed), the invite, the device and the encryption key.
 *
 * @throws {ChainError} `INVALID_INPUT` when the token is not 16 bytes of hex or the key not 32,
 *   and `INVALID_ADDRESS` when `patient` is not an address.
 */
export function visitRequestTypedData(domain: VisitRequestDomain, { origin, token, patient, doctorPeer, encryptionKey }: VisitRequestTerms): VisitRequestTypedData {
  if (!/^[0-9a-f]{32}$/i.test(token)) throw new ChainError('INVALID_INPUT', "The invite's token is not 16 bytes: ask the patient for a new invite.")
  if (!/^0x[0-9a-f]{64}$/i.test(encryptionKey)) throw new ChainError('INVALID_INPUT', 'The encryption key is not 32 bytes.')
  return {
    domain: { name: 'Anamnesis', version: '1', chainId: domain.chainId, verifyingContract: getAddress(domain.verifyingContract) },
    types: visitRequestTypes,
    primaryType: 'VisitRequest',
    message: {
      purpose: VISIT_REQUEST_PURPOSE,
      origin,
      patient: parseAddress(patient, 'patient'),
      invite: `0x${token.toLowerCase()}`,
      device: doctorPeer,
      encryptionKey: encryptionKey.toLowerCase() as Hex
    }
  }
}

/**
 * Signs a request to open a patient's history with the connected doctor's wallet (EIP-712), so the
 * patient's app knows which address asks and for which key.
 *
 * @returns The signature over {@link visitRequestTypedData}.
 * @throws {ChainError} `WALLET_UNAVAILABLE` without a connected account, `WALLET_REJECTED` when
 *   the doctor declines to sign, `INVALID_INPUT` or `INVALID_ADDRESS` for malformed terms, or
 *   what else the wallet reports.
 */
export async function signVisitRequest(walletClient: WalletClient, domain: VisitRequestDomain, terms: VisitRequestTerms): Promise<Hex> {
  const account = walletClient.account
  if (account === undefined) throw new ChainError('WALLET_UNAVAILABLE', 'Connect a wallet to ask for access.')
  const typedData = visitRequestTypedData(domain, terms)
  try {
    return await walletClient.signTypedData({ account, ...typedData })
  } catch (error) {
    throw toChainError(error, 'sign the request for access')
  }
}

/**
 * Who signed a doctor's request: `account` when a plain account's signature recovers to the doctor
 * (checked here, trusting no RPC), `contract-wallet` when the doctor's address is a contract wallet
 * (ERC-1271) that accepts it (only the chain's RPC can say so: the app says so too), undefined
 * when neither holds.
 */
export type VisitRequestSigner = 'account' | 'contract-wallet'

/**
 * Checks that `signature` is `doctor`'s over these terms, for this deployment: a request signed for
 * another origin, chain or consent contract, or with any other term changed, is no one's here.
 *
 * @returns How it was checked ({@link VisitRequestSigner}), or undefined when it is not the doctor's
 *   (terms that cannot be typed data, e.g. a token that is not 16 bytes, are no one's either).
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed doctor address, and `CHAIN_UNREACHABLE`
 *   or `TRANSACTION_FAILED` when the chain cannot be asked about a contract wallet.
 */
export async function verifyVisitRequest(
  client: ChainClient,
  domain: VisitRequestDomain,
  { doctor, signature, ...terms }: VisitRequestTerms & { doctor: string; signature: Hex }
): Promise<VisitRequestSigner | undefined> {
  const address = parseAddress(doctor, 'doctor')
  let typedData: VisitRequestTypedData
  try {
    typedData = visitRequestTypedData(domain, terms)
  } catch {
    return undefined
  }
  const recovered = await recoverTypedDataAddress({ ...typedData, signature }).catch(() => undefined)
  if (recovered !== undefined && recovered.toLowerCase() === address.toLowerCase()) return 'account'
  try {
    const code = await getCode(client, { address })
    if (code === undefined || code === '0x') return undefined
    const { verifyContractWalletTypedData } = await import('./contractWalletSignature.ts')
    return (await verifyContractWalletTypedData(client, address, typedData, signature)) ? 'contract-wallet' : undefined
  } catch (error) {
    throw toChainError(error, "check the doctor's signature")
  }
}
