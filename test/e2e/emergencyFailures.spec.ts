// What goes wrong when a clinician opens a card's full tier, in a real browser on the local chain:
// the clinician's wallet refuses the break-glass transaction (nothing is recorded, nothing opened), and
// the keeper the card's link names cannot be reached (the break-glass is on the ledger, the app says so
// and offers to ask again). Each time the card's own words stay on the screen and no summary is shown.
// A clinician with no wallet reads the card's words and is told what the full summary needs.
import { expect, test, type Page } from '@playwright/test'
import encodeQR from 'qr'
import { createChainClient, latestBreakGlass } from '../../src/chain/index.ts'
import { CARD_KEY_LENGTH, CARD_QR_OPTIONS, formatCardLink } from '../../src/emergency/index.ts'
import { appUrl, connectAnnouncedWallet, connectBrowserWallet, fundedAccount, stackConfig } from './fixtures.ts'
import { injectWallet } from './injectedWallet.ts'

/** A keeper address nothing answers at: a port on this machine that no one listens on. */
const UNREACHABLE_KEEPER = '/ip4/127.0.0.1/tcp/9/ws/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

test("no wallet, a refused break-glass, then an unreachable keeper: the card's words stay, the clinician is told why, and no summary is shown", async ({ browser }) => {
  const { chain, contracts } = stackConfig()
  const client = createChainClient({ id: chain.id, name: 'local', rpcUrl: chain.rpcUrl })
  const [patient, clinician] = await Promise.all([fundedAccount(), fundedAccount()])
  const link = formatCardLink({
    patient: patient.address.toLowerCase() as `0x${string}`,
    keeper: UNREACHABLE_KEEPER,
    key: new Uint8Array(CARD_KEY_LENGTH).fill(9),
    expires: Math.floor(Date.now() / 1000) + 86_400,
    flags: ['L']
  })
  const photo = { name: 'card.gif', mimeType: 'image/gif', buffer: Buffer.from(encodeQR(`ANAMNESIS EMERGENCY CARD 1\nSEVERE ALLERGY: Peanuts | Anaphylaxis\nFULL: ${link}`, 'gif', { ...CARD_QR_OPTIONS, scale: 6 })) }
  const breakGlassOnLedger = async () => (await latestBreakGlass(client, { ledger: contracts.consentLedger, patient: patient.address, clinician: clinician.address })).record
  /** Reads the card from its photo and asks for the full summary, for an unconscious patient. */
  const scanAndOpen = async (page: Page) => {
    await page.goto(`${appUrl()}#/emergency/scan`)
    await page.getByLabel('Or read the code from a photo of the card').setInputFiles(photo)
    await expect(page.getByRole('region', { name: 'What the card says' }).getByRole('list', { name: 'Allergies' })).toContainText('Peanuts')
    const full = page.getByRole('region', { name: 'The full emergency summary' })
    await full.getByRole('combobox', { name: 'Reason for opening the full summary' }).selectOption({ label: 'The patient was unconscious' })
    await full.getByRole('button', { name: 'Open the full emergency summary' }).click()
    return full
  }

  // No wallet: the card's words, and what the full summary needs; nothing to open with.
  const walletless = await (await browser.newContext()).newPage()
  await walletless.goto(`${appUrl()}#/settings`)
  await walletless.getByRole('region', { name: 'Wallet' }).getByRole('button', { name: 'Disconnect' }).click()
  await walletless.goto(`${appUrl()}#/emergency/scan`)
  await walletless.getByLabel('Or read the code from a photo of the card').setInputFiles(photo)
  await expect(walletless.getByRole('region', { name: 'What the card says' }).getByRole('list', { name: 'Allergies' })).toContainText('Peanuts')
  const needsWallet = walletless.getByRole('region', { name: 'The full emergency summary' })
  await expect(needsWallet).toContainText('The full summary needs a wallet: your emergency access is recorded on the ledger with it')
  await expect(needsWallet.getByRole('button', { name: 'Open the full emergency summary' })).toHaveCount(0)

  // The clinician's wallet declines the transaction: nothing is recorded, and nothing is opened.
  const refusing = await (await browser.newContext()).newPage()
  await injectWallet(refusing, { name: 'Refusing Wallet', privateKey: clinician.privateKey, rpcUrl: chain.rpcUrl, chainId: chain.id, refuse: ['eth_sendTransaction'] })
  await connectAnnouncedWallet(refusing, 'Refusing Wallet')
  const refused = await scanAndOpen(refusing)
  await expect(refused.getByRole('alert')).toContainText('Your emergency access was not recorded, so nothing was opened: The wallet declined')
  await expect(refusing.getByRole('region', { name: 'What the card says' })).toContainText('Peanuts')
  await expect(refused.getByRole('region', { name: 'Allergies and intolerances' })).toHaveCount(0)
  await expect(refused.getByRole('button', { name: 'Ask the keeper again' })).toHaveCount(0)
  expect(await breakGlassOnLedger()).toBeNull()

  // A wallet that records it: the access is on the ledger, the keeper cannot be reached, and the app says both.
  const recording = await (await browser.newContext()).newPage()
  await connectBrowserWallet(recording, 'Clinician Wallet', clinician.privateKey)
  const unreachable = await scanAndOpen(recording)
  await expect(unreachable.getByRole('alert')).toContainText('The full summary could not be opened:', { timeout: 30_000 })
  await expect(unreachable.getByRole('alert')).toContainText('could not be reached')
  expect(await breakGlassOnLedger()).not.toBeNull()
  await expect(recording.getByRole('region', { name: 'What the card says' })).toContainText('Peanuts')
  await expect(unreachable.getByRole('region', { name: 'Allergies and intolerances' })).toHaveCount(0)
  // Asking again records nothing more: the keeper accepts the break-glass for some minutes.
  const recorded = await breakGlassOnLedger()
  await unreachable.getByRole('button', { name: 'Ask the keeper again' }).click()
  await expect(unreachable.getByRole('alert')).toContainText('could not be reached', { timeout: 30_000 })
  expect(await breakGlassOnLedger()).toEqual(recorded)
})
