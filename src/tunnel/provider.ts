/**
 * The tunnel seam: something that makes a local port reachable from WeChat's servers.
 * ngrok is the default; `--public-url` covers frp, cpolar, 花生壳 or a real domain.
 */

/** An open tunnel. `url` is the public base URL (no trailing slash) that reaches the local server's root. */
export interface Tunnel {
  readonly url: string;
  /** Closes the tunnel; safe to call twice. */
  close(): Promise<void>;
}

/** Connection state reported while a tunnel is open (ngrok reconnects on its own after a network blip). */
export type TunnelStatus = 'connected' | 'closed';

export interface OpenOptions {
  /** The local interface the server listens on (default 127.0.0.1). */
  host?: string;
  onStatus?: (status: TunnelStatus) => void;
}

export interface TunnelProvider {
  /** Shown to the user: `ngrok`, `public-url`. */
  readonly name: string;
  open(port: number, options?: OpenOptions): Promise<Tunnel>;
}
