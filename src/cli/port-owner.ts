/**
 * Who holds a port `wxbot serve` could not listen on: another wxbot server (its status page says so)
 * or something else. The usual case is `npm run dev` still running when `npm run tunnel` starts.
 */
import { request } from 'node:http';

/** The status page's first words (server/start.ts). */
const WXBOT_STATUS = 'wxbot is running';

/** True when a wxbot server answers `GET /` on this port within `timeoutMs`; false for anything else. */
export function wxbotListensOn(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  // A server bound to every interface answers on loopback too.
  const hostname = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return new Promise((resolve) => {
    const req = request({ hostname, port, path: '/', method: 'GET', timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        if (text.length >= WXBOT_STATUS.length) res.destroy();
      });
      res.on('close', () => resolve(text.startsWith(WXBOT_STATUS)));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
