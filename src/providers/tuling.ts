/** The Tuling123 v2 provider (protocol.md §7). */
import type { Dispatcher } from 'undici';
import { ProviderError, codeForStatus, redact } from './errors.js';
import { parseJsonBody, postJson } from './http.js';
import { inspectable, type ChatExchange, type InspectableProvider } from './provider.js';
import { isTulingIntent, tulingMeaning } from './tuling-codes.js';
import { mapTulingResults, type MapOptions, type TulingResult } from './tuling-map.js';
import { buildTulingRequest, encryptTulingRequest, type TulingLocation } from './tuling-request.js';
import { maskSecret } from '../config/mask.js';

/** §7.1: the official doc's host; the rebranded one is http://openapi.turingapi.com/openapi/api/v2. */
export const TULING_DEFAULT_URL = 'http://openapi.tuling123.com/openapi/api/v2';
const TULING_PATH = '/openapi/api/v2';

export interface TulingOptions {
  /** The robot's apiKey (32 chars). */
  apiKey: string;
  /** The endpoint, or just its origin (`/openapi/api/v2` is added when the path is empty). */
  url?: string;
  /** The robot's secret when its encryption switch is on (§7.5). */
  secret?: string;
  /** Sent as `perception.selfInfo.location`: answers about weather, places, … use it. */
  location?: TulingLocation;
  /** How news results are answered (default a 1-item news reply). */
  newsAs?: MapOptions['newsAs'];
  /** The provider's own limit for one call (the serve budget is applied by withBudget). Default 10 s. */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /** Clock for the encryption timestamp (milliseconds, like the official Java sample). */
  now?: () => number;
}

/** Accepts either the full endpoint or an origin such as `http://127.0.0.1:8080`. */
export function tulingEndpoint(url: string = TULING_DEFAULT_URL): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = TULING_PATH;
  return u.toString();
}

interface TulingResponse {
  intent?: { code?: unknown };
  results?: unknown;
}

function fail(e: ProviderError, exchange: ChatExchange): never {
  e.exchange = exchange;
  throw e;
}

/**
 * A Tuling v2 ChatProvider. Errors are ProviderErrors; `intent.code` errors carry the §7.4 meaning.
 *
 * @example
 * ```ts
 * import { chat, createBot, tulingProvider } from 'wxbot';
 *
 * export default createBot().fallback(chat(tulingProvider({ apiKey: process.env.TULING_KEY! })));
 * ```
 */
export function tulingProvider(o: TulingOptions): InspectableProvider {
  if (!o.apiKey) throw new ProviderError('NOT_CONFIGURED', 'Tuling apiKey is empty', { provider: 'tuling' });
  const url = tulingEndpoint(o.url);
  const secrets = [o.apiKey, o.secret];
  const now = o.now ?? Date.now;
  return inspectable('tuling', async (input, context) => {
    const provider = 'tuling';
    const started = performance.now();
    const body = buildTulingRequest(input, context.userId, o.apiKey, o.location);
    const shown = { ...body, userInfo: { ...body.userInfo, apiKey: maskSecret(o.apiKey) } };
    const exchange: ChatExchange = {
      provider,
      request: { url, body: shown, encrypted: Boolean(o.secret) },
      latencyMs: 0,
    };
    const took = () => (exchange.latencyMs = Math.round(performance.now() - started));
    if (!body.perception.inputText.text) {
      fail(new ProviderError('EMPTY_INPUT', 'nothing to send to Tuling: the text is empty', { provider }), exchange);
    }
    const wire = o.secret ? encryptTulingRequest(body, o.apiKey, o.secret, String(now())) : body;
    let res;
    try {
      res = await postJson(url, wire, {
        provider,
        signal: context.signal,
        timeoutMs: o.timeoutMs ?? 10_000,
        dispatcher: o.dispatcher,
      });
    } catch (e) {
      took();
      fail(e as ProviderError, exchange);
    }
    took();
    exchange.response = { status: res.status, body: res.text };
    if (res.status < 200 || res.status > 299) {
      fail(
        new ProviderError(codeForStatus(res.status), `Tuling answered HTTP ${res.status}`, {
          provider,
          status: res.status,
        }),
        exchange,
      );
    }
    let json: TulingResponse;
    try {
      json = parseJsonBody(res.text, provider, res.status, secrets) as TulingResponse;
    } catch (e) {
      fail(e as ProviderError, exchange);
    }
    exchange.response.body = json;
    const code = Number(json?.intent?.code);
    if (!Number.isFinite(code)) {
      fail(
        new ProviderError('BAD_RESPONSE', 'Tuling response has no intent.code', { provider, status: res.status }),
        exchange,
      );
    }
    if (!isTulingIntent(code)) {
      const meaning = tulingMeaning(code);
      const msg = redact(`Tuling error ${code}: ${meaning.zh} (${meaning.en})`, secrets);
      fail(
        new ProviderError('PROVIDER_ERROR', msg, { provider, status: res.status, providerCode: code, meaning }),
        exchange,
      );
    }
    const results = Array.isArray(json.results) ? (json.results as TulingResult[]) : [];
    const reply = mapTulingResults(results, { newsAs: o.newsAs });
    if (reply === undefined) {
      fail(
        new ProviderError('BAD_RESPONSE', `Tuling intent ${code} came with no usable result`, {
          provider,
          status: res.status,
          providerCode: code,
        }),
        exchange,
      );
    }
    return { ...exchange, reply };
  });
}
