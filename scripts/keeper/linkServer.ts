// The keeper's web side for SMART Health Links: a small node:http server that answers only a link's
// manifest (POST <path>/<id>) and the file locations a manifest hands out (GET <path>/<id>/file/<token>),
// with CORS open to any origin, since any viewer may open a link. Nothing else is served.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { LinkAnswer, ShareLinks } from '../../src/keeper/index.ts'

/** The path under which manifests are served: <origin>/shl/<id>. */
export const LINK_PATH = '/shl'
/** A manifest request is a small JSON object. */
const MAX_BODY = 4 * 1024
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
  'access-control-max-age': '600'
}
const MANIFEST = /^\/shl\/([A-Za-z0-9_-]{43})$/
const FILE = /^\/shl\/([A-Za-z0-9_-]{43})\/file\/([A-Za-z0-9_-]{43})$/

/** A running link server: where it listens, and how to stop it. */
export interface LinkServer {
  /** Its own origin, e.g. http://127.0.0.1:9093. */
  origin: string
  stop(): Promise<void>
}

function send(response: ServerResponse, answer: LinkAnswer): void {
  const headers = { ...CORS, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }
  if (answer.jose !== undefined) {
    response.writeHead(answer.status, { ...headers, 'content-type': 'application/jose' })
    response.end(answer.jose)
    return
  }
  response.writeHead(answer.status, { ...headers, 'content-type': 'application/json' })
  response.end(JSON.stringify(answer.json ?? {}))
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Serves `links` on `host`:`port` (0: the system chooses). */
export async function startLinkServer(links: Pick<ShareLinks, 'manifest' | 'file'>, host: string, port: number, log: (line: string) => void): Promise<LinkServer> {
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const pathname = new URL(request.url ?? '/', 'http://keeper').pathname
    if (request.method === 'OPTIONS') {
      response.writeHead(204, CORS)
      response.end()
      return
    }
    const manifest = MANIFEST.exec(pathname)
    if (manifest !== null && request.method === 'POST') {
      const text = await readBody(request)
      if (text === undefined) return send(response, { status: 413, json: { error: 'A manifest request is at most 4 KiB.' } })
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        return send(response, { status: 400, json: { error: 'A manifest request is JSON.' } })
      }
      return send(response, await links.manifest(manifest[1] ?? '', body))
    }
    const file = FILE.exec(pathname)
    if (file !== null && request.method === 'GET') return send(response, await links.file(file[1] ?? '', file[2] ?? ''))
    send(response, { status: 404, json: { error: 'Not found.' } })
  }
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`link request failed: ${error instanceof Error ? error.message : String(error)}`)
      if (!response.headersSent) send(response, { status: 500, json: { error: 'The keeper could not answer.' } })
      else response.destroy()
    })
  })
  server.requestTimeout = 30_000
  server.headersTimeout = 10_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const { port: bound } = server.address() as AddressInfo
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    origin: `http://${shownHost}:${bound}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
