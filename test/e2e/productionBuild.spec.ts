// What the built app (dist/, as `npm test` builds it before this stage) ships: its
// Content-Security-Policy, and none of the local development wallet's keys.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect, test } from '@playwright/test'
import { readPolicy } from '../../scripts/build/contentSecurityPolicy.ts'
import { deployerAccount, developmentAccounts } from '../../src/chain/devAccounts.ts'

const dist = path.resolve(import.meta.dirname, '../../dist')

test('the built index.html carries the Content-Security-Policy, ahead of every script and stylesheet', () => {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8')
  expect(readPolicy(html)).toEqual({
    'default-src': ["'none'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'connect-src': ["'self'", 'https:', 'wss:'],
    'worker-src': ["'self'"],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"]
  })
  const policyAt = html.indexOf('http-equiv="Content-Security-Policy"')
  for (const tag of ['<script', '<link', '<style']) {
    const at = html.indexOf(tag)
    if (at >= 0) expect(policyAt, `the policy comes before the first ${tag}`).toBeLessThan(at)
  }
})

test("no file of the build holds a development wallet's private key or anvil's mnemonic", () => {
  const files = readdirSync(dist, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile())
  expect(files.length).toBeGreaterThan(2)
  const secrets = [...developmentAccounts, deployerAccount].map((account) => account.privateKey.slice(2).toLowerCase())
  const found: string[] = []
  for (const file of files) {
    const text = readFileSync(path.join(file.parentPath, file.name), 'latin1').toLowerCase()
    for (const secret of [...secrets, 'test test test test test test test test test test test junk']) {
      if (text.includes(secret)) found.push(`${path.relative(dist, path.join(file.parentPath, file.name))} holds ${secret.slice(0, 8)}…`)
    }
  }
  expect(found).toEqual([])
})
