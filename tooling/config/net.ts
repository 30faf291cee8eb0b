// Network helpers for tests that need a real server to be there, or to go away and come back.
import { connect, createServer, type Server, type Socket } from "node:net"

/** True when something accepts TCP connections at the URL's host and port (default `defaultPort`). */
export const reachable = (url: string, defaultPort: number): Promise<boolean> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url)
    const socket = connect({ host: hostname, port: Number(port || defaultPort) })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })

export interface TcpProxy {
  readonly port: number
  /** Closes every connection and stops listening: the server behind looks down. */
  readonly cut: () => Promise<void>
  /** Listens again on the same port. */
  readonly restore: () => Promise<void>
}

/**
 * A TCP proxy on 127.0.0.1 to `host:port`, so a test can take a shared server "down" for its own
 * client only — real sockets closing, not a mock — and bring it back.
 */
export const startTcpProxy = async (host: string, port: number): Promise<TcpProxy> => {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  const open = (listenPort: number) =>
    new Promise<number>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(port, host)
        for (const s of [client, upstream]) {
          sockets.add(s)
          s.on("close", () => sockets.delete(s))
          s.on("error", () => s.destroy())
        }
        client.pipe(upstream).pipe(client)
      })
      server.listen(listenPort, "127.0.0.1", () => {
        const address = server?.address()
        resolve(typeof address === "object" && address !== null ? address.port : listenPort)
      })
    })
  const proxyPort = await open(0)
  return {
    port: proxyPort,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        if (server === undefined) resolve()
        else server.close(() => resolve())
      }),
    restore: () => open(proxyPort).then(() => undefined)
  }
}

/** A TCP port free on 127.0.0.1 right now (for servers that refuse port 0, or must keep theirs). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
