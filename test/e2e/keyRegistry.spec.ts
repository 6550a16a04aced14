import { expect, test } from '@playwright/test'
import { bytesToHex, createPublicClient, http } from 'viem'
import { keyRegistryAbi } from '../../src/chain/abi.generated.ts'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { appUrl, derivedKeys, expectStackLive, stackConfig } from './fixtures.ts'

test('registering an encryption key with the development wallet lands on the chain and is read back', async ({ page }) => {
  const config = stackConfig()
  const patient = developmentAccounts[0]
  if (patient === undefined) throw new Error('no development account 0')
  const chain = createPublicClient({ transport: http(config.chain.rpcUrl) })
  const readKey = () => chain.readContract({ address: config.contracts.keyRegistry, abi: keyRegistryAbi, functionName: 'keyOf', args: [patient.address] })

  await page.goto(`${appUrl()}#/settings`)
  await expectStackLive(page)
  const keySection = page.getByRole('region', { name: 'Encryption key' })
  await expect(keySection).toContainText('Not registered')
  expect(await readKey()).toEqual([`0x${'00'.repeat(32)}`, 0])

  await keySection.getByRole('button', { name: 'Register my encryption key' }).click()
  await expect(keySection).toContainText(/Your key was registered in block \d+\./)

  // The key on-chain is the one this wallet's signature derives for this origin and deployment, and the page shows it.
  const expected = bytesToHex((await derivedKeys(patient.privateKey)).encryption.publicKey)
  expect(await readKey()).toEqual([expected, 1])
  await expect(keySection).toContainText(`Registered key: ${expected} (version 1)`)

  // After a reload the registration is read back from the chain.
  await page.reload()
  await expect(page.getByRole('region', { name: 'Encryption key' })).toContainText(`Registered key: ${expected}`)

  // Registering the same key again is refused with a message a person understands; nothing changes.
  await page.getByRole('button', { name: 'Register my encryption key again' }).click()
  await expect(page.getByRole('alert')).toContainText('This encryption key is already registered for your address.')
  expect(await readKey()).toEqual([expected, 1])
})
