/**
 * Who holds a port `wxbot serve` could not listen on: another wxbot server (its status page says so)
 * or something else. The usual case is `npm run dev` still running when `npm run tunnel` starts.
 */
import { localHost } from '../server/start.js';
import { httpExchange } from '../simulate/http.js';

/** The status page's first words (server/start.ts). */
const WXBOT_STATUS = 'wxbot is running';

/** True when a wxbot server answers `GET /` on this port within `timeoutMs`; false for anything else. */
export async function wxbotListensOn(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  try {
    const r = await httpExchange({ method: 'GET', url: `http://${localHost(host)}:${port}/`, timeoutMs });
    return r.kind === 'response' && r.body.startsWith(WXBOT_STATUS);
  } catch {
    return false; // not reachable at all
  }
}
