// The demo patient's history as one picture: the body map and the timeline, linked
// (a region filters the timeline, the time shown filters the map), the selected
// record's details with its block, amendment trail and diagnostic chain, and a table
// of the same records for screen readers. Loaded lazily: D3 and the art stay out of
// the first screen.
import { createEffect, createMemo, createSignal, createUniqueId, For, on, onCleanup, onMount, Show, type Accessor, type JSX } from 'solid-js'
import { entryKey, isDemoRecord, sealedFilesOf, type Address, type HistoryRecord, type SealedFileRef } from '../../history/index.ts'
import { formatDayAndTime, formatRecordDay, formatRecordPeriod } from '../../format/index.ts'
import type { AttachmentFiles, PeerMisconduct } from '../../session/index.ts'
import { AttachmentView } from '../attachments/AttachmentView.tsx'
import {
  ancestry,
  buildTimelineModel,
  chainItems,
  childrenOf,
  isOnFigure,
  createBodyMap,
  createTimeline,
  describeSeries,
  regionLabel,
  REGION_BY_ID,
  regionsOfItem,
  resultSeries,
  shortHash,
  summarizeBodyMap,
  type BodyMapHandle,
  type Figure,
  type HistoryBlock,
  type TimelineHandle,
  type TimelineItem
} from '../../viz/index.ts'

const STAGE_NAMES: Record<string, string> = { request: 'Request', diagnosis: 'Diagnosis', therapy: 'Therapy', followUp: 'Follow-up', outcome: 'Outcome' }
const VERDICT_TEXT = {
  verified: 'Verified: matches the history’s latest on-chain anchor',
  unanchored: 'Not yet anchored: written after the latest anchor, so not yet checkable',
  broken: 'Broken: this block failed verification'
} as const
const DECADES = [1950, 1960, 1970, 1980, 1990, 2000, 2010, 2020]
const TABLE_PAGE = 200

/** What the views draw: a patient's log as blocks, who wrote them, and the present. */
export interface HistorySource {
  blocks: Accessor<readonly HistoryBlock[]>
  patient: Address
  /** The present, for spans that go on ("since …"). */
  now: Accessor<number>
  /** Names of known writers by lowercase address; others show as their address. */
  writers: Accessor<ReadonlyMap<string, string>>
  /** The demo patient, with one block altered on purpose. */
  demo?: boolean
  /** Peers that broke the sync protocol's rules while the history was open. */
  misconduct?: Accessor<readonly PeerMisconduct[]>
  /** The history's attached files, for the records that name one (none in the demo). */
  files?: Accessor<AttachmentFiles | undefined>
}

/** The sealed files a record names; none for a record without files, or one whose file it does not name soundly. */
function filesNamed(record: HistoryRecord): SealedFileRef[] {
  try {
    return sealedFilesOf(record)
  } catch {
    return []
  }
}

export default function HistoryViews(props: { source: HistorySource }): JSX.Element {
  // The views redraw as the history changes (a sync, a verdict): a file being fetched keeps its view,
  // and its fetch, as long as the selected record still names it. Kept by CID across redraws.
  let shownFiles: SealedFileRef[] = []
  const sameFiles = (files: SealedFileRef[]): SealedFileRef[] => (shownFiles = files.map((file) => shownFiles.find((shown) => shown.cid === file.cid) ?? file))
  // eslint-disable-next-line solid/reactivity -- the source object is fixed for the life of the view; its accessors are read reactively
  const source = props.source
  const now = (): number => source.now()
  const model = createMemo(() => buildTimelineModel([...source.blocks()], { patient: source.patient, now: now() }))
  // The broken blocks, changed only when the set of them changes: the alert is announced once, not at every redraw.
  const broken = createMemo(() => model().broken, [], {
    equals: (a, b) => a.map((block) => `${block.entryHash}:${block.reason ?? ''}`).join() === b.map((block) => `${block.entryHash}:${block.reason ?? ''}`).join()
  })
  const writerName = {
    get: (address: string): string | undefined => source.writers().get(address.toLowerCase())
  }
  const writerLabel = (address: string): string => writerName.get(address) ?? address

  const [region, setRegion] = createSignal('body')
  const [preview, setPreview] = createSignal<string | undefined>()
  const [range, setRange] = createSignal<[number, number] | undefined>()
  const [selectedId, setSelectedId] = createSignal<string | undefined>()
  const [tableRows, setTableRows] = createSignal(TABLE_PAGE)

  const inRange = createMemo(() => {
    const r = range()
    if (r === undefined) return model().items
    return model().items.filter((item) => item.start <= r[1] && (item.end === Infinity ? now() : item.end) >= r[0])
  })
  // The body map's figure; records in a region it lacks go to the tray.
  const [figure, setFigure] = createSignal<Figure>('male')
  // Each view its own radio group: the page may show the demo and the user's history at once.
  const figureGroup = `bodymap-figure-${createUniqueId()}`
  const summary = createMemo(() => summarizeBodyMap(inRange(), figure()))
  const allTimeSummary = createMemo(() => summarizeBodyMap(model().items, figure()))
  // A region's records and the rest of their diagnostic chains (the ibuprofen for the knee has no site of its own).
  const regionItems = createMemo(() => {
    if (region() === 'body') return undefined
    const ids = new Set<string>()
    for (const item of allTimeSummary().regions.get(region())?.items ?? []) {
      ids.add(item.id)
      for (const chain of item.chains) for (const member of chainItems(model(), chain)) ids.add(member.item.id)
    }
    return ids
  })
  const shownItems = createMemo(() => {
    const ids = regionItems()
    return ids === undefined ? inRange() : inRange().filter((item) => ids.has(item.id))
  })
  const selected = createMemo(() => {
    const id = selectedId()
    return id === undefined ? undefined : model().byId.get(id)
  })
  const panelRegion = createMemo(() => preview() ?? region())
  const panelSummary = createMemo(() => summary().regions.get(panelRegion()))

  let mapEl: HTMLDivElement | undefined
  let timelineEl: HTMLDivElement | undefined
  let map: BodyMapHandle | undefined
  let timeline: TimelineHandle | undefined

  const enterRegion = (id: string): void => {
    setRegion(id)
    setPreview(undefined)
    const children = childrenOf(id, figure())
    void map?.zoomTo(id).then(() => {
      // Keyboard focus follows into the region; the panel keeps showing the region entered.
      map?.focusRegion(children[0]?.id ?? id)
      setPreview(undefined)
    })
  }
  const selectRecord = (id: string | undefined): void => {
    setSelectedId(id)
    timeline?.select(id, { reveal: true })
  }

  onMount(() => {
    if (mapEl === undefined || timelineEl === undefined) return
    map = createBodyMap(mapEl, { figure: figure(), onEnter: enterRegion, onPreview: setPreview })
    timeline = createTimeline(timelineEl, {
      onSelect: (item) => setSelectedId(item?.id),
      onRangeChange: (r, whole) => setRange(whole ? undefined : r)
    })
  })
  createEffect(() => timeline?.setModel(model()))
  onCleanup(() => {
    map?.destroy()
    timeline?.destroy()
  })
  createEffect(() => map?.setSummary(summary()))
  createEffect(on(regionItems, (ids) => timeline?.setFilter(ids), { defer: true }))

  const chooseFigure = (next: Figure): void => {
    setFigure(next)
    map?.setFigure(next)
    if (!isOnFigure(region(), next)) setRegion('body')
  }
  const zoomOut = (): void => {
    const parent = REGION_BY_ID.get(region())?.parent
    enterRegion(parent ?? 'body')
  }
  const showDecade = (value: string): void => {
    if (value === '') {
      timeline?.zoomTo(model().extent, 500)
      return
    }
    const year = Number(value)
    timeline?.zoomTo([Date.UTC(year, 0, 1), Date.UTC(year + 10, 0, 1)], 500)
  }
  // Results as values over time: the series the Results lane can chart, and the one it does.
  const results = createMemo(() => resultSeries(model().items))
  const [seriesKey, setSeriesKey] = createSignal<string | undefined>()
  const chartedSeries = createMemo(() => results().series.find((s) => s.key === seriesKey()))
  const chartSummary = createMemo(() => {
    const charted = chartedSeries()
    return charted === undefined ? '' : describeSeries(charted)
  })
  createEffect(() => timeline?.showSeries(chartedSeries()?.key))
  const chartSeries = (key: string): void => {
    setSeriesKey(key === '' ? undefined : key)
    // Choosing a result asks to see it: show the years it was measured.
    const points = chartedSeries()?.points ?? []
    const first = points[0]?.time
    const last = points[points.length - 1]?.time
    if (first !== undefined && last !== undefined) timeline?.zoomTo([first - Math.max((last - first) * 0.04, 30 * 86_400_000), last + Math.max((last - first) * 0.04, 30 * 86_400_000)], 500)
  }
  const diagnosisLabel = (chainIndex: number): string => {
    const diagnosis = model().chains[chainIndex]?.diagnosis
    return (diagnosis === undefined ? undefined : model().byId.get(entryKey(diagnosis))?.label) ?? 'a diagnosis'
  }
  const siteNames = (item: TimelineItem): string => {
    const where = regionsOfItem(item)
    const names = [...where.regions.map((id) => REGION_BY_ID.get(id)?.name ?? id), ...where.sideNotRecorded.map((base) => `${base} (side not recorded)`)]
    if (where.unlocated) names.push('unlocated')
    return names.join(', ')
  }

  return (
    <div class="history-views">
      <Show when={(source.misconduct?.() ?? []).length > 0}>
        <div class="broken-banner" role="alert">
          <strong>A device that syncs this history broke the rules and was cut off for 5 minutes.</strong> Nothing it sent was kept; the
          history is as it was.
          <ul>
            <For each={source.misconduct?.() ?? []}>
              {(misconduct) => (
                <li>
                  Peer <code>{misconduct.peer.slice(-8)}</code> at {formatDayAndTime(misconduct.at)}: {misconduct.reason}
                </li>
              )}
            </For>
          </ul>
        </div>
      </Show>
      <Show when={broken().length > 0}>
        <div class="broken-banner" role="alert">
          <strong>
            ✕ {broken().length} block{broken().length === 1 ? '' : 's'} of this history failed verification.
          </strong>{' '}
          <For each={broken()}>
            {(block) => (
              <>
                Block <code>{shortHash(block.entryHash)}</code>: {block.reason ?? 'it does not match its hash.'}{' '}
                <Show when={block.entry}>
                  {(entry) => (
                    <button type="button" onClick={() => selectRecord(model().byId.has(entryKey(entry())) ? entryKey(entry()) : undefined)}>
                      Show the broken block
                    </button>
                  )}
                </Show>
              </>
            )}
          </For>
          <Show when={source.demo === true}>
            <span class="hint"> (In the demo, one block was altered on purpose so you can see what a broken block looks like.)</span>
          </Show>
        </div>
      </Show>

      <div class="history-top">
        <section class="bodymap-panel" aria-labelledby="bodymap-heading">
          <h2 id="bodymap-heading">Body map</h2>
          <fieldset class="bm-figure">
            <legend>Figure</legend>
            <For each={[['male', 'Male'], ['female', 'Female']] as const}>
              {([value, label]) => (
                <label>
                  <input type="radio" name={figureGroup} value={value} checked={figure() === value} onChange={() => chooseFigure(value)} /> {label}
                </label>
              )}
            </For>
          </fieldset>
          <nav class="bm-crumbs" aria-label="Body map zoom">
            <For each={ancestry(region()).reverse()}>
              {(r, i) => (
                <>
                  {i() > 0 ? ' › ' : ''}
                  <button type="button" class="link-button" aria-current={r.id === region() ? 'location' : undefined} onClick={() => enterRegion(r.id)}>
                    {r.name}
                  </button>
                </>
              )}
            </For>
            <Show when={region() !== 'body'}>
              {' '}
              <button type="button" onClick={zoomOut}>
                Zoom out
              </button>
            </Show>
          </nav>
          <div class="bodymap" ref={(el) => (mapEl = el)} />
          <p class="hint bm-legend">
            <span class="legend-active" aria-hidden="true">3</span> has active records · <span class="legend-resolved" aria-hidden="true">3</span> resolved or past only · numbers
            count records. Enter or click a region to zoom in, “Zoom out” to go back. The wheel zooms too; Shift-drag pans.
          </p>
          <p class="hint art-credit">
            Figure: anatomogram © EMBL-EBI Expression Atlas,{' '}
            <a href="https://creativecommons.org/licenses/by/4.0/" rel="license">
              CC BY 4.0
            </a>
            ; surface regions from react-body-highlighter (MIT, © 2020 GV79).
          </p>
          <p class="hint" role="status">
            {range() === undefined
              ? 'The body map shows records from all time.'
              : `The body map shows records from ${formatRecordDay(range()?.[0] ?? 0)} to ${formatRecordDay(range()?.[1] ?? 0)}.`}
          </p>
        </section>

        <section class="region-panel" aria-labelledby="region-heading" aria-live="polite">
          <h2 id="region-heading">{REGION_BY_ID.get(panelRegion())?.name ?? 'Whole body'}</h2>
          <Show when={panelSummary()}>{(here) => <p>{regionLabel(here())}</p>}</Show>
          <Show when={(panelSummary()?.items.length ?? 0) > 0} fallback={<p class="hint">No records here in the time shown.</p>}>
            <ul class="region-records">
              <For each={(panelSummary()?.items ?? []).filter((i) => i.entry.record.resourceType === 'Condition').concat((panelSummary()?.items ?? []).filter((i) => i.entry.record.resourceType !== 'Condition')).slice(0, 40)}>
                {(item) => (
                  <li>
                    <button type="button" class="link-button" aria-pressed={item.id === selectedId()} onClick={() => selectRecord(item.id)}>
                      {item.label}
                    </button>{' '}
                    <span class="hint">
                      {item.typeName}
                      {item.state === 'event' ? '' : `, ${item.state}`}, {formatRecordPeriod(item.start, item.end, now())}
                      {item.copyOf === undefined ? '' : `, conflicting copy written by ${writerLabel(item.entry.writer)}`}
                    </span>
                  </li>
                )}
              </For>
            </ul>
          </Show>
          <Show when={region() === 'body' && preview() === undefined}>
            <details class="tray">
              <summary>
                Whole body / unlocated: {summary().unlocated.length + [...summary().sideNotRecorded.values()].flat().length} records; {summary().withoutSite} records have no body site
              </summary>
              <ul>
                <For each={summary().unlocated}>{(item) => <li>{item.label} (site not on the map)</li>}</For>
                <For each={[...summary().sideNotRecorded.entries()]}>{([base, items]) => <li>{base}, side not recorded: {items.map((i) => i.label).join(', ')}</li>}</For>
              </ul>
            </details>
          </Show>
        </section>
      </div>

      <section class="timeline-panel" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline{region() === 'body' ? '' : ` · ${REGION_BY_ID.get(region())?.name ?? ''}`}</h2>
        <div class="timeline-tools">
          <label>
            Show decade{' '}
            <select onChange={(event) => showDecade(event.currentTarget.value)}>
              <option value="">All time</option>
              <For each={DECADES}>{(decade) => <option value={decade}>{decade}s</option>}</For>
            </select>
          </label>
          <label>
            Result to chart{' '}
            <select value={chartedSeries()?.key ?? ''} onChange={(event) => chartSeries(event.currentTarget.value)}>
              <option value="">None</option>
              <For each={results().series}>
                {(s) => <option value={s.key}>{`${s.label}${s.unit === '' ? '' : ` (${s.unit})`}: ${s.points.length} value${s.points.length === 1 ? '' : 's'}`}</option>}
              </For>
            </select>
          </label>
          <span class="hint">
            Drag the strip below the timeline to choose the time shown; scroll to zoom, drag to pan. Solid bars: active; outlined: resolved; small blocks: single events; dashed: not yet
            anchored; red with ✕: broken.
          </span>
        </div>
        <p class="hint" role="status">
          {chartSummary()}
        </p>
        <Show when={chartedSeries()}>
          <p class="hint">
            In the Results lane, circles <span aria-hidden="true">●</span> are within the reference range (the shaded band), triangles pointing up <span aria-hidden="true">▲</span> above it and
            pointing down <span aria-hidden="true">▼</span> below it; grey circles have no range to judge by. Choose “None” to see every result as a record again.
            {results().unplotted.length > 0 ? ` ${results().unplotted.length} results have no number to chart; they stay in the table.` : ''}
          </p>
        </Show>
        <div class="timeline" ref={(el) => (timelineEl = el)} />
      </section>

      <section class="details-panel" aria-labelledby="details-heading">
        <h2 id="details-heading">Selected record</h2>
        <Show when={selected()} fallback={<p class="hint">Select a record on the timeline, the body map or the table to see who wrote it, its block and its diagnostic chain.</p>}>
          {(item) => (
            <div class="record-details">
              <h3>{item().label}</h3>
              <Show when={isDemoRecord(item().entry.record)}>
                <p class="notice">Demo data: loaded from the synthetic demo patient, not a medical fact about this person.</p>
              </Show>
              <Show when={item().copyOf}>
                {(holder) => (
                  <p class="notice">
                    Conflicting copy: {writerLabel(item().entry.writer)} wrote this record with an id that already names a record written by {writerLabel(holder())}. That record is
                    kept as written; this copy is shown apart, as {writerLabel(item().entry.writer)}’s, and does not replace or change it.
                  </p>
                )}
              </Show>
              <dl class="facts">
                <dt>Kind</dt>
                <dd>
                  {item().typeName}
                  {item().state === 'event' ? '' : `, ${item().state}`}
                </dd>
                <dt>When</dt>
                <dd>{formatRecordPeriod(item().start, item().end, now())}</dd>
                <Show when={item().sites.length > 0}>
                  <dt>Where</dt>
                  <dd>{siteNames(item())}</dd>
                </Show>
                <dt>Written by</dt>
                <dd>
                  {writerName.get(item().entry.writer) ?? 'someone'} (<code>{item().entry.writer}</code>) on {formatRecordDay(Date.parse(item().entry.writtenAt))}
                </dd>
                <dt>Block</dt>
                <dd>
                  <code title={item().block.entryHash}>{shortHash(item().block.entryHash)}</code>, follows{' '}
                  {item().block.previous.length === 0 ? 'nothing (the first block)' : item().block.previous.map(shortHash).join(' and ')}
                </dd>
                <dt>Verification</dt>
                <dd classList={{ 'verdict-broken': item().verdict === 'broken' }}>
                  {item().verdict === 'broken' ? '✕ ' : ''}
                  {VERDICT_TEXT[item().verdict]}
                  {item().block.reason === undefined ? '' : `: ${item().block.reason ?? ''}`}
                </dd>
              </dl>
              <For each={sameFiles(filesNamed(item().entry.record))}>{(file) => <AttachmentView file={file} files={source.files?.()} />}</For>
              <h4>Amendment trail</h4>
              <Show when={item().trail.length > 1} fallback={<p class="hint">Never corrected: one version.</p>}>
                <ol>
                  <For each={item().trail}>
                    {(version, i) => (
                      <li>
                        {i() === 0 ? 'Written' : 'Corrected'} by {writerName.get(version.writer) ?? version.writer} on {formatRecordDay(Date.parse(version.writtenAt))}
                        {version === item().entry ? ' (shown)' : ''}
                      </li>
                    )}
                  </For>
                </ol>
              </Show>
              <Show when={item().refused.length > 0}>
                <h4>Ignored corrections</h4>
                <p class="hint">Only the record’s first author or the patient may correct it, and a correction keeps its kind and id. These were not applied:</p>
                <ul>
                  <For each={item().refused}>
                    {(refused) => (
                      <li>
                        By {writerLabel(refused.entry.writer)} on {formatRecordDay(Date.parse(refused.entry.writtenAt))}: {refused.reason}.
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
              <Show when={item().chains.length > 0}>
                <h4>Diagnostic chain</h4>
                <For each={item().chains}>
                  {(chainIndex) => (
                    <ol class="chain-list" aria-label={`Diagnostic chain of ${diagnosisLabel(chainIndex)}`}>
                      <For each={chainItems(model(), chainIndex)}>
                        {({ stage, item: member }) => (
                          <li classList={{ 'chain-current': member.id === item().id }}>
                            <span class="chain-stage">{STAGE_NAMES[stage] ?? stage}:</span>{' '}
                            <button type="button" class="link-button" onClick={() => selectRecord(member.id)}>
                              {member.label}
                            </button>{' '}
                            <span class="hint">{formatRecordDay(member.start)}</span>
                          </li>
                        )}
                      </For>
                    </ol>
                  )}
                </For>
              </Show>
            </div>
          )}
        </Show>
      </section>

      <details class="records-table">
        <summary>Table of the records shown ({shownItems().length})</summary>
        <table>
          <caption>Records {region() === 'body' ? '' : `in ${REGION_BY_ID.get(region())?.name ?? ''} `}in the time shown, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Record</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Body site</th>
              <th scope="col">Block</th>
              <th scope="col">Verification</th>
              <th scope="col">Written by</th>
            </tr>
          </thead>
          <tbody>
            <For each={shownItems().slice(0, tableRows())}>
              {(item) => (
                <tr>
                  <td>{formatRecordPeriod(item.start, item.end, now())}</td>
                  <td>
                    <button type="button" class="link-button" onClick={() => selectRecord(item.id)}>
                      {item.label}
                    </button>
                    {isDemoRecord(item.entry.record) ? ' (demo data)' : ''}
                    {item.copyOf === undefined ? '' : ' (conflicting copy)'}
                    {item.refused.length === 0 ? '' : ` (${item.refused.length} ignored correction${item.refused.length === 1 ? '' : 's'})`}
                  </td>
                  <td>{item.typeName}</td>
                  <td>{item.state === 'event' ? '—' : item.state}</td>
                  <td>{siteNames(item)}</td>
                  <td>
                    <code>{shortHash(item.block.entryHash)}</code>
                  </td>
                  <td>{item.verdict}</td>
                  <td>{writerName.get(item.entry.writer) ?? item.entry.writer}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
        <Show when={shownItems().length > tableRows()}>
          <button type="button" onClick={() => setTableRows((n) => n + TABLE_PAGE)}>
            Show {TABLE_PAGE} more
          </button>
        </Show>
      </details>
    </div>
  )
}
