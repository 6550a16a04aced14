// A small static file server for the built app, used by the end-to-end tests and the
// benchmark: it serves dist/ at one or more path prefixes (such as an IPFS gateway's
// /ipfs/<cid>/) and answers config.json from memory, as a deployment would.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import path from 'node:path'
import { assertPortFree } from './ports.ts'

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
}

export async function serveStatic({ root, port = 0, host = '127.0.0.1', prefixes = ['/'], config }: ServeStaticOptions): Promise<StaticServer> {
  if (port !== 0) await assertPortFree(port, 'the app server', host)
  const rootDir = path.resolve(root)
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost')
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
