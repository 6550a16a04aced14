// A small static file server for the built app, used by the end-to-end tests and the
// benchmark: it serves dist/ at one or more path prefixes (such as a sub-path /anamnesis/, or an
// IPFS path gateway's /ipfs/<cid>/) and answers config.json from memory, as a deployment would.
// Its pages' Content-Security-Policy also lets them reach the local stack's chain and relay on
// 127.0.0.1, which the built policy (https: and wss: only) refuses.
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import path from 'node:path'
import { allowConnections, formatPolicy, readPolicy } from '../build/contentSecurityPolicy.ts'
import { assertPortFree } from './ports.ts'

/** The local stack's chain and relay listen on loopback ports that tests choose at run time. */
const LOOPBACK_SOURCES = ['http://127.0.0.1:*', 'ws://127.0.0.1:*']
const REPORT_PATH = '/__csp-report'

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8'
}

export interface StaticServer {
  url: string
  port: number
  server: Server
  stop(): Promise<void>
}

export interface ServeStaticOptions {
  root: string
  port?: number
  host?: string
  /** Path prefixes the app is served under, each ending in '/'. Default: ['/']. */
  prefixes?: string[]
  /** The deployment settings answered for `<prefix>config.json`. */
  config?: unknown
  /**
   * Called with every Content-Security-Policy violation a page served here reports: pages then
   * carry their policy a second time, as a report-only header that reports to this server
   * (a meta tag cannot ask for reports).
   */
  onPolicyViolation?: (violation: string) => void
}

export async function serveStatic({ root, port = 0, host = '127.0.0.1', prefixes = ['/'], config, onPolicyViolation }: ServeStaticOptions): Promise<StaticServer> {
  if (port !== 0) await assertPortFree(port, 'the app server', host)
  const rootDir = path.resolve(root)
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost')
      if (url.pathname === REPORT_PATH && request.method === 'POST' && onPolicyViolation !== undefined) {
        onPolicyViolation(describeViolation(await readBody(request)))
        response.writeHead(204).end()
        return
      }
      // The longest matching prefix wins, so '/' does not swallow '/ipfs/<cid>/'.
      const prefix = prefixes.filter((p) => url.pathname.startsWith(p)).sort((a, b) => b.length - a.length)[0]
      if (prefix === undefined) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
        return
      }
      const relative = decodeURIComponent(url.pathname.slice(prefix.length)) || 'index.html'
      if (relative === 'config.json' && config !== undefined) {
        response.writeHead(200, { 'content-type': MIME['.json'] ?? '', 'cache-control': 'no-store' }).end(JSON.stringify(config))
        return
      }
      const file = path.resolve(rootDir, relative)
      if (!file.startsWith(rootDir + path.sep)) {
        response.writeHead(403).end()
        return
      }
      try {
        const info = await stat(file)
        if (!info.isFile()) throw new Error('not a file')
        if (path.extname(file) === '.html') {
          const html = allowConnections(await readFile(file, 'utf8'), LOOPBACK_SOURCES)
          const policy = readPolicy(html)
          const headers: Record<string, string> = { 'content-type': MIME['.html'] ?? '' }
          if (policy !== undefined && onPolicyViolation !== undefined) {
            headers['content-security-policy-report-only'] = `${formatPolicy(policy)}; report-uri ${REPORT_PATH}`
          }
          response.writeHead(200, headers).end(html)
          return
        }
        response.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'content-length': info.size })
        createReadStream(file).pipe(response)
      } catch {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      }
    })()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address()
  const actualPort = typeof address === 'object' && address !== null ? address.port : port
  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

// A report as Chromium sends it to a report-uri: { "csp-report": { "document-uri", "effective-directive", "blocked-uri", … } }.
function describeViolation(body: string): string {
  try {
    const report = (JSON.parse(body) as { 'csp-report'?: Record<string, unknown> })['csp-report'] ?? {}
    const field = (name: string): string => {
      const value = report[name]
      return typeof value === 'string' || typeof value === 'number' ? String(value) : '?'
    }
    return `${field('effective-directive')} refused ${field('blocked-uri')} in ${field('document-uri')} (${field('source-file')}:${field('line-number')})`
  } catch {
    return `an unreadable report: ${body.slice(0, 200)}`
  }
}
