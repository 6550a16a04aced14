// The visit's figures, measured on the built app as a patient and a doctor use it: two headless
// Chromium browsers over WebRTC inside the private network namespace, driven by role and name
// (the flow of test/e2e/visitHistory.spec.ts), each of five runs on a fresh local stack (anvil
// automining, the contracts, the relay) with fresh browser contexts. The patient's app has loaded
// the 1,000-record demo and finished checking it before the doctor arrives (a doctor meets a
// history loaded long before; figures before 2026-11-26 included that check's load). Medians of
// the five runs:
//
// - visit.connectToTimeline1000.ms: the doctor opens the invite link → their timeline has drawn
//   the patient's 1,000-record demo history (the frame after the status says all arrived). The
//   patient is already approved in the benchmark: the driver approves the moment the request
//   appears, so the figure includes that approval and its grant transaction.
// - visit.connectToTimeline1000.approval.ms: the part of it from the request appearing on the
//   patient's page until the approval answer was sent; subtract it for the figure without the patient.
// - visit.dial.ms: the invite opened (page.goto of the link) → direct WebRTC connection to the
//   patient ('visit:direct' in src/visit/doctorJoin.ts). The join page dials as it opens, while the doctor
//   types their name; their first-visit steps (opening their keys, registering their encryption
//   key, signing the request) run meanwhile and share the two cores with it.
// - visit.revoke.ms: the patient's Revoke click → the key rotated and the doctor's writes refused
//   (the status saying so appears once the log has forgotten its cached write answers and rotated).
//   Anvil mines each transaction at once, so block time is ~0 here; on a real chain add one block.
// - visit.invite.bytes: the invite in the link the patient's page shows (the base64url after
//   `#/visit/join/`, one byte a character), through the local stack's one relay.
// - visit.invite.qrVersion: the QR version (1 to 40) of the code the patient's page draws for that
//   link (checked to be the code visitQrImage draws for it); unit "version", a count, not a size.
//
// Each run's log also counts the UDP datagrams of the private network and those dropped for a full
// receive buffer (udpCounters): a run with drops is one where the doctor's pull waited out SCTP
// retransmissions, most of a second each, on this busy two-core machine.
//
// BENCH_PROFILE=<file> writes CPU profiles of the doctor's page (<file>) and the patient's
// (<file>.patient.cpuprofile) in the first run, from the link opened to the timeline drawn, the app
// built with its functions' names; the log then gives each mark's time in the doctor's profile.
// `node bench/visit.ts` builds the app and prints them; bench/run.ts adds measureVisit() to its figures.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath, missingChromiumMessage } from '../scripts/stack/chromium.ts'
import { startLocalStack } from '../scripts/stack/localStack.ts'
import { freePort } from '../scripts/stack/ports.ts'
import { PRIVATE_NETWORK_ADDRESS } from '../scripts/stack/privateNetwork.ts'
import { serveStatic } from '../scripts/stack/serveStatic.ts'
import { figuresFromPrivateNetwork, udpCounters } from './privateNetworkRun.ts'
import { JOIN_ROUTE } from '../src/app/visit/visitLink.ts'
import { visitQrImage, visitQrVersion } from '../src/app/visit/visitQrCode.ts'
import { developmentAccounts, type DevelopmentAccount } from '../src/chain/devAccounts.ts'
import { median, type Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
const dist = path.join(root, 'dist')
/** Runs per figure; `RUNS=2 node bench/visit.ts` for a quick look. */
const RUNS = Number(process.env.RUNS ?? 5)
const DEMO_SIZE = 1000
const DOCTOR_NAME = 'Dr Bench'
const FIGURES_LINE = 'VISIT_FIGURES '

type Marks = Record<string, number>

/** What one run measured, in milliseconds. */
interface RunTimes {
  connectToTimeline: number
  approval: number
  dial: number
  revoke: number
}

/** The invite the patient's page built in a run: its length in the link, and the QR version of the code drawn for it. */
interface InviteSize {
  bytes: number
  qrVersion: number
}

export function account(label: string): DevelopmentAccount {
  const found = developmentAccounts.find((a) => a.label === label)
  if (found === undefined) throw new Error(`no development account ${label}`)
  return found
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable with the pages' marks on this machine. */
const epochNow = (): number => performance.timeOrigin + performance.now()

/**
 * Installed in every page: records, in the page's own clock, when each step of the visit first
 * shows. Playwright's assertions poll every 100 to 1,000 ms, too coarse for these figures; the
 * driver still checks each step by role and name, and reads the times from here.
 */
function watchVisit(): void {
  const marks: Record<string, number> = {}
  ;(window as unknown as { __visit: Record<string, number> }).__visit = marks
  const mark = (name: string): void => {
    marks[name] ??= performance.timeOrigin + performance.now()
  }
  const text = (selector: string): string => document.querySelector(selector)?.textContent ?? ''
  const joinSteps: [string, string][] = [
    ['unlocking', 'Opening your keys'],
    ['registering-key', 'Registering your encryption key'],
    ['signing', 'Sign the request'],
    ['connecting', "Connecting to the patient's device"],
    ['waiting', 'Waiting for the patient'],
    ['approved', 'Access granted']
  ]
  const drawing = new Set<string>()
  const check = (): void => {
    // The doctor's side: the join steps, then the patient's history as it arrives and is drawn.
    const step = text('p.join-step')
    for (const [name, words] of joinSteps) if (step.startsWith(words)) mark(`join:${name}`)
    if (step.includes('The visit is recorded')) mark('join:recorded')
    const reading = text('section[aria-labelledby="reading-heading"] > p[role="status"]')
    if (reading.startsWith('Receiving')) mark('reading:syncing')
    const synced = /^([\d,]+) records in ([\d,]+) blocks, received directly/.exec(reading)
    const heading = document.getElementById('timeline-heading')
    const canvas = document.querySelector('canvas.tl-canvas')
    if (synced !== null && heading?.checkVisibility() === true && canvas !== null && canvas.clientWidth > 0) {
      const key = `${(synced[1] ?? '').replaceAll(',', '')}/${(synced[2] ?? '').replaceAll(',', '')}`
      mark(`synced:${key}`)
      // The timeline draws in an animation frame requested with the data: the next frame follows it.
      if (!drawing.has(key)) {
        drawing.add(key)
        requestAnimationFrame(() => mark(`drawn:${key}`))
      }
    }
    if (document.querySelector('section[aria-labelledby="reading-heading"] p.notice') !== null) mark('access-ended')
    // The patient's side: the request, the approval, the revocation.
    if (document.querySelector('section.request') !== null) mark('request')
    if (text('section.request button[type="submit"]') === 'Granting…') mark('granting')
    if (text('section.request p[role="status"]').startsWith('Approved')) mark('approved')
    if (/^Access revoked\. Your history now uses a new key \(epoch \d+\)/.test(text('section[aria-labelledby="grants-heading"] p[role="status"]'))) mark('revoked')
  }
  document.addEventListener(
    'click',
    (event) => {
      const button = event.target instanceof Element ? event.target.closest('button') : null
      if (button?.getAttribute('aria-label')?.startsWith('Revoke access of') === true) mark('revoke:click')
    },
    true
  )
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true })
}

/**
 * The patient, already approved in the benchmark: their page approves the doctor's request the
 * moment its card appears, with the write bit (so the revocation has writes to refuse). Clicking
 * from Node instead cost 160 to 580 ms of Playwright's waiting and actionability checks per run.
 */
export function approveAtOnce(): void {
  const approve = (): boolean => {
    const form = document.querySelector('section.request form')
    const submit = form?.querySelector('button[type="submit"]')
    if (!(form instanceof HTMLFormElement) || !(submit instanceof HTMLButtonElement) || submit.textContent !== 'Approve') return false
    const mayWrite = [...form.querySelectorAll('label')].find((label) => label.textContent.includes('They may add records'))?.querySelector('input')
    if (mayWrite === null || mayWrite === undefined) throw new Error('the request card has no "They may add records" checkbox')
    // Every kind of record (notes included), so the doctor reads the whole history; and may write.
    for (const box of form.querySelectorAll('input[type="checkbox"]')) if (box instanceof HTMLInputElement && !box.checked) box.click()
    if (!mayWrite.checked) throw new Error('"They may add records" did not get checked')
    submit.click()
    return true
  }
  const observer = new MutationObserver(() => {
    if (approve()) observer.disconnect()
  })
  observer.observe(document.body, { subtree: true, childList: true })
}

/**
 * The doctor, as quick as the patient: the moment the join form shows, their page types their
 * name and asks for access. Playwright's fill and click would add their own waiting to the figure.
 */
export function askAtOnce(name: string): void {
  const ask = (): boolean => {
    const label = [...document.querySelectorAll('label')].find((l) => l.textContent === 'Your name, as the patient will see it')
    const input = label === undefined ? null : document.getElementById(label.htmlFor)
    const submit = input?.closest('form')?.querySelector('button[type="submit"]')
    if (!(input instanceof HTMLInputElement) || !(submit instanceof HTMLButtonElement) || submit.textContent.trim() !== 'Ask for access') return false
    input.value = name
    input.dispatchEvent(new Event('input', { bubbles: true }))
    submit.click()
    return true
  }
  if (ask()) return
  const observer = new MutationObserver(() => {
    if (ask()) observer.disconnect()
  })
  observer.observe(document.body, { subtree: true, childList: true })
}

async function waitForMark(page: Page, name: string, timeout: number): Promise<void> {
  await page.waitForFunction((n) => (window as unknown as { __visit: Record<string, number> }).__visit[n] !== undefined, name, { timeout, polling: 50 })
}

/** The page's marks, with the two performance marks createVisits.ts sets on the doctor's side. */
async function marksOf(page: Page): Promise<Marks> {
  return await page.evaluate(() => {
    const marks: Record<string, number> = { ...(window as unknown as { __visit: Record<string, number> }).__visit }
    for (const name of ['visit:join-start', 'visit:direct']) {
      const entry = performance.getEntriesByName(name, 'mark')[0]
      if (entry !== undefined) marks[name] = performance.timeOrigin + entry.startTime
    }
    return marks
  })
}

/** Milliseconds from mark `from` to mark `to`, failing loudly if either is missing. */
function span(marks: Marks, from: string, to: string): number {
  const a = marks[from]
  const b = marks[to]
  if (a === undefined || b === undefined) throw new Error(`no mark ${a === undefined ? from : to} (marks: ${Object.keys(marks).join(', ')})`)
  return b - a
}

/** Connects the development wallet's account on the Settings page and waits until the app's node holds a relay reservation. */
export async function connectAccount(page: Page, appUrl: string, who: DevelopmentAccount): Promise<void> {
  await page.goto(`${appUrl}/#/settings`)
  const wallet = page.getByRole('region', { name: 'Wallet' })
  const account = wallet.getByRole('combobox', { name: 'Account' })
  // The first page of a browser just started in the namespace can lose its scripts to Chromium
  // noticing the namespace's network come up (ERR_NETWORK_CHANGED): load it once more then.
  if (!(await account.waitFor({ timeout: 10_000 }).then(() => true, () => false))) await page.reload()
  await account.selectOption({ label: `${who.label} (${who.address.slice(0, 6)}…${who.address.slice(-4)})` })
  await wallet.getByRole('button', { name: 'Connect', exact: true }).click()
  const strip = page.getByRole('region', { name: 'Connection status' })
  await strip.filter({ hasText: `development wallet (${who.label})` }).waitFor()
  await strip.filter({ hasText: /Peer-to-peer: started · peer \S+ · relay reserved/ }).waitFor({ timeout: 20_000 })
}

/** The patient's side before the doctor arrives: their history holding the demo patient, and an open invite. Returns the record count and the link. */
async function preparePatient(patient: Page): Promise<{ records: number; link: string }> {
  const nav = patient.getByRole('navigation', { name: 'Main' })
  await nav.getByRole('link', { name: 'My history' }).click()
  await patient.getByRole('button', { name: 'Open my history' }).click()
  const own = patient.getByRole('region', { name: 'Your history' })
  await own.getByRole('combobox', { name: /^Demo size/ }).selectOption(String(DEMO_SIZE))
  await own.getByRole('button', { name: 'Load the demo patient into my history' }).click()
  const added = own.getByText(/Added [\d,]+ demo records/)
  await added.waitFor({ timeout: 120_000 })
  // Amendments of the demo are records that replace others: fewer than DEMO_SIZE are added.
  const records = Number((/Added ([\d,]+)/.exec((await added.textContent()) ?? '') ?? [])[1]?.replaceAll(',', '') ?? Number.NaN)
  if (!(records > DEMO_SIZE / 2)) throw new Error(`the demo added ${records} records, expected about ${DEMO_SIZE}`)
  // A patient's app checks every block of their history after it changes (signatures, links,
  // decryption): seconds of both cores for 1,000 new records. A doctor arrives at a history loaded
  // long before, so the visit starts once that check has reported on every block.
  await own.getByText(`Verification: 0 verified against the latest anchor, ${records.toLocaleString('en')} not yet anchored, none broken.`).waitFor({ timeout: 120_000 })
  await nav.getByRole('link', { name: 'Visit' }).click()
  await patient.getByRole('button', { name: 'Start a visit' }).click()
  return { records, link: await patient.getByRole('textbox', { name: 'Visit link' }).inputValue() }
}

/** The invite in the link the patient's page shows, and the QR version of the code the page draws for it. */
async function inviteSize(patient: Page, link: string): Promise<InviteSize> {
  const drawn = await patient.getByRole('img', { name: 'QR code of the visit link' }).getAttribute('src')
  if (drawn !== visitQrImage(link)) throw new Error("the patient's page draws another QR code than visitQrImage does for its link")
  const invite = link.split(`#${JOIN_ROUTE}`)[1]
  if (invite === undefined) throw new Error(`the visit link has no invite: ${link}`)
  return { bytes: new TextEncoder().encode(invite).length, qrVersion: visitQrVersion(link) }
}

/** One visit on a fresh stack: connect, approve, read and draw; then revoke. */
async function visitRun(appDir: string, browsers: [Browser, Browser], run: number): Promise<RunTimes & InviteSize> {
  const patientAccount = account('Second patient')
  const doctorAccount = account('Third doctor')
  const stack = await startLocalStack({ chainPort: await freePort(), relayPort: await freePort(), compile: false, relayKeyFile: path.join(root, '.stack', 'bench-visit-relay.key') })
  const server = await serveStatic({ root: appDir, config: stack.config })
  const contexts: BrowserContext[] = []
  const runStart = epochNow()
  const openPage = async (browser: Browser): Promise<Page> => {
    const context = await browser.newContext()
    contexts.push(context)
    context.setDefaultTimeout(30_000)
    const page = await context.newPage()
    page.on('pageerror', (error) => console.error('page error:', error.message))
    page.on('console', (message) => {
      if (message.type() === 'warning' || message.type() === 'error') console.error(`page ${message.type()} (${((epochNow() - runStart) / 1000).toFixed(2)} s): ${message.text()}`)
    })
    await page.addInitScript(watchVisit)
    return page
  }
  try {
    const [patient, doctor] = await Promise.all([openPage(browsers[0]), openPage(browsers[1])])
    await Promise.all([connectAccount(patient, server.url, patientAccount), connectAccount(doctor, server.url, doctorAccount)])
    const { records, link } = await preparePatient(patient)
    const invite = await inviteSize(patient, link)

    await patient.evaluate(approveAtOnce)
    await doctor.evaluate(askAtOnce, DOCTOR_NAME)
    // BENCH_PROFILE=<file>: a CPU profile of the doctor's page in the first run, from the link opened to the timeline drawn.
    const profiled = process.env.BENCH_PROFILE === undefined || run > 0 ? [] : [doctor, patient]
    const profilers = await Promise.all(profiled.map(async (page) => await page.context().newCDPSession(page)))
    /** When each profile started, in the clock of the marks. */
    const profileStarts: number[] = []
    for (const [i, profiler] of profilers.entries()) {
      await profiler.send('Profiler.enable')
      await profiler.send('Profiler.setSamplingInterval', { interval: 200 })
      await profiler.send('Profiler.start')
      profileStarts.push(await (profiled[i] as Page).evaluate(() => performance.timeOrigin + performance.now()))
    }
    // The clock starts as the doctor opens the invite link in their running app.
    const opened = epochNow()
    await doctor.goto(link)
    const request = patient.getByRole('region', { name: `Request from ${DOCTOR_NAME}` })
    const drawn = `drawn:${records}/${records}`
    await waitForMark(doctor, drawn, 120_000)
    for (const [i, profiler] of profilers.entries()) {
      const { profile } = await profiler.send('Profiler.stop')
      await writeFile(`${process.env.BENCH_PROFILE ?? 'visit'}${i === 0 ? '' : '.patient.cpuprofile'}`, JSON.stringify(profile))
    }
    // Check by role and name what the marks saw.
    const history = doctor.getByRole('region', { name: "The patient's history" })
    const wanted = `${records.toLocaleString('en')} records in ${records.toLocaleString('en')} blocks, received directly from the patient's device.`
    await history.getByRole('status').filter({ hasText: wanted }).waitFor({ timeout: 1_000 })
    await history.getByRole('heading', { name: /^Timeline/ }).waitFor({ state: 'visible', timeout: 1_000 })
    // The patient's page saw the request under the name the doctor's page typed, and approved it.
    await request.getByRole('status').filter({ hasText: /^Approved: .* has read and write access/ }).waitFor({ timeout: 1_000 })

    // The revocation, once the doctor's visit is recorded and nothing else is in flight.
    await waitForMark(doctor, 'join:recorded', 30_000)
    await patient.getByRole('button', { name: `Revoke access of ${doctorAccount.address}` }).click()
    await waitForMark(patient, 'revoked', 60_000)
    await patient
      .getByRole('region', { name: 'Who has access now' })
      .getByRole('status')
      .filter({ hasText: /Your history now uses a new key \(epoch \d+\)/ })
      .waitFor({ timeout: 1_000 })
    // Not timed: the doctor's app learns of the revocation from the chain and withdraws its form
    // (every peer refuses their entries from the moment the patient's log forgets its cached answer).
    await waitForMark(doctor, 'access-ended', 30_000)
    await history.getByRole('form', { name: "Write into the patient's history" }).waitFor({ state: 'detached', timeout: 10_000 })

    const d = await marksOf(doctor)
    const p = await marksOf(patient)
    const marks: Marks = { ...d, ...p, opened }
    const times: RunTimes = {
      connectToTimeline: span(marks, 'opened', drawn),
      approval: span(p, 'request', 'approved'),
      dial: span(marks, 'opened', 'visit:direct'),
      revoke: span(p, 'revoke:click', 'revoked')
    }
    // Where the time goes, for the reader of the benchmark's log (stderr).
    const ms = (from: string, to: string): string => (marks[from] === undefined || marks[to] === undefined ? '–' : `${Math.round(span(marks, from, to))}`)
    console.error(
      [
        `run ${run + 1}: ${records} demo records (of ${DEMO_SIZE} asked; the rest are amendments)`,
        `  open link → Ask for access (the page asks at once) ${ms('opened', 'visit:join-start')} ms`,
        `  open link → direct connection (dialled at once)     ${ms('opened', 'visit:direct')} ms, meanwhile:`,
        `    opening the doctor's keys (two signatures)        ${ms('join:unlocking', 'join:registering-key')} ms`,
        `    registering their key (transaction)               ${ms('join:registering-key', 'join:signing')} ms`,
        `    signing the request                               ${ms('join:signing', 'join:connecting')} ms`,
        `  signed → connected (waiting on the dial)            ${ms('join:connecting', 'join:waiting')} ms`,
        `  request sent → the patient sees it                  ${ms('join:waiting', 'request')} ms`,
        `  approval: the page's click                          ${ms('request', 'granting')} ms`,
        `  approval: grant transaction, answer sent            ${ms('granting', 'approved')} ms`,
        `  answer sent → the doctor's app shows the history    ${ms('approved', 'join:approved')} ms (the two pages' marks; may overlap)`,
        `  replicating and decrypting ${records} records         ${ms('join:approved', `synced:${records}/${records}`)} ms`,
        `  drawing (frame after the last status)               ${ms(`synced:${records}/${records}`, drawn)} ms`,
        `  = connect to timeline ${Math.round(times.connectToTimeline)} ms; dial ${Math.round(times.dial)} ms (join-start → direct ${ms('visit:join-start', 'visit:direct')} ms)`,
        `  revoke: click → key rotated ${Math.round(times.revoke)} ms; → the doctor's app sees it ${ms('revoke:click', 'access-ended')} ms`
      ].join('\n')
    )
    const [doctorProfile, patientProfile] = profileStarts
    if (doctorProfile !== undefined && patientProfile !== undefined) {
      const order = Object.keys(marks).sort((a, b) => (marks[a] ?? 0) - (marks[b] ?? 0))
      console.error(`  marks in the doctor's profile (ms, about): ${order.map((name) => `${name} ${Math.round((marks[name] ?? 0) - doctorProfile)}`).join(', ')}; the patient's profile starts ${Math.round(patientProfile - doctorProfile)} ms later`)
    }
    return { ...times, ...invite }
  } finally {
    await Promise.allSettled(contexts.map((c) => c.close()))
    await server.stop()
    await stack.stop()
  }
}

/** Inside the private network namespace: two Chromium browsers, five visits. */
async function browserFigures(appDir: string): Promise<Figures> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(missingChromiumMessage())
  const browsers: Browser[] = []
  try {
    for (let i = 0; i < 2; i++) browsers.push(await chromium.launch({ headless: true, executablePath, args: CHROMIUM_ARGS }))
    const runs: (RunTimes & InviteSize)[] = []
    // A run that fails (a stalled page on this two-core machine) is reported and run again, at most twice in all.
    let failures = 0
    while (runs.length < RUNS) {
      try {
        const before = udpCounters()
        runs.push(await visitRun(appDir, browsers as [Browser, Browser], runs.length + failures))
        const after = udpCounters()
        if (before !== undefined && after !== undefined) {
          console.error(`  UDP in this network: ${after.received - before.received} datagrams received, ${after.dropped - before.dropped} dropped for a full receive buffer`)
        }
      } catch (error) {
        if (++failures > 2) throw error
        console.error(`visit run failed, running it again: ${error instanceof Error ? error.message.split('\n').slice(0, 4).join(' | ') : String(error)}`)
      }
    }
    const figure = (pick: (r: RunTimes) => number): { value: number; unit: 'ms' } => ({ value: Math.round(median(runs.map(pick))), unit: 'ms' })
    return {
      'visit.connectToTimeline1000.ms': figure((r) => r.connectToTimeline),
      'visit.connectToTimeline1000.approval.ms': figure((r) => r.approval),
      'visit.dial.ms': figure((r) => r.dial),
      'visit.revoke.ms': figure((r) => r.revoke),
      'visit.invite.bytes': { value: median(runs.map((r) => r.bytes)), unit: 'bytes' },
      'visit.invite.qrVersion': { value: median(runs.map((r) => r.qrVersion)), unit: 'version' }
    }
  } finally {
    await Promise.allSettled(browsers.map((b) => b.close()))
  }
}

/** Runs this file inside a fresh private network namespace and reads the figures it prints. Needs the app built in `appDir`. */
export async function measureVisit(appDir = dist): Promise<Figures> {
  if (!existsSync(path.join(appDir, 'index.html'))) throw new Error(`${appDir} has no build: run 'npm run build' first.`)
  return await figuresFromPrivateNetwork('visit.ts', ['--browsers', appDir], FIGURES_LINE, 'visit benchmark')
}

if (import.meta.main) {
  const [mode, appDir] = process.argv.slice(2)
  const inside = mode === '--browsers' && appDir !== undefined
  if (inside && process.env.ANAMNESIS_PRIVATE_NETWORK !== '1') throw new Error(`run the browser part inside the private network (${PRIVATE_NETWORK_ADDRESS})`)
  // Standalone, the app is built apart from dist/, which the end-to-end tests may be serving meanwhile.
  const ownBuild = path.join(root, '.stack', 'bench-visit-app')
  if (!inside) {
    // A profiled run's build keeps its functions' names.
    const minify = process.env.BENCH_PROFILE === undefined ? [] : ['--minify', 'false']
    const build = spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn', '--outDir', ownBuild, '--emptyOutDir', ...minify], { cwd: root, stdio: 'inherit' })
    if (build.status !== 0) throw new Error('vite build failed')
  }
  ;(inside ? browserFigures(appDir) : measureVisit(ownBuild)).then(
    (figures) => {
      if (inside) console.log(FIGURES_LINE + JSON.stringify(figures))
      else for (const [name, { value, unit }] of Object.entries(figures)) console.log(`${name.padEnd(40)} ${value.toLocaleString('en')} ${unit}`)
      process.exit(0)
    },
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    }
  )
}
