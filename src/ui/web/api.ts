/**
 * Talking to the UI server. The run's key arrives in the URL fragment (never sent over the network),
 * is kept for the tab's life, and goes with every request that changes something.
 */
import type { ExchangeDetail, ExchangeSummary, UiEvent, UiState } from '../wire.js';

const KEY_HEADER = 'x-wxbot-ui-key';
const STORE = 'wxbot-ui-key';

function takeKey(): string | null {
  const m = /(?:^#|&)k=([\w-]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(STORE, m[1]!);
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem(STORE);
}

export const uiKey = takeKey();

// Another run's address pasted into this tab changes only the fragment, which reloads nothing by
// itself: the page would keep the earlier key. Reloaded, it takes the new one.
addEventListener('hashchange', () => {
  if (/(?:^#|&)k=/.test(location.hash)) location.reload();
});

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    if (uiKey) headers[KEY_HEADER] = uiKey;
  }
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(data.error ?? `HTTP ${res.status}`);
  return data;
}

export const api = {
  state: () => call<UiState>('GET', '/api/state'),
  exchanges: () => call<ExchangeSummary[]>('GET', '/api/exchanges'),
  exchange: (id: number) => call<ExchangeDetail>('GET', `/api/exchanges/${id}`),
  send: (body: Record<string, unknown>) => call<ExchangeDetail>('POST', '/api/send', body),
  replay: (id: number) => call<ExchangeDetail>('POST', `/api/exchanges/${id}/replay`, {}),
  curl: (id: number) => call<{ curl: string }>('POST', `/api/exchanges/${id}/curl`, {}),
};

/**
 * Live events; the browser reconnects by itself after a drop (wxbot stopped, or restarted).
 * `onLink` says when the stream drops (false) and when it is back (true).
 */
export function listen(onEvent: (e: UiEvent) => void, onReconnect: () => void, onLink: (up: boolean) => void): void {
  const es = new EventSource('/api/events');
  let opened = false;
  es.onopen = () => {
    onLink(true);
    // After a reconnect events may have been missed: the caller reloads the list.
    if (opened) onReconnect();
    opened = true;
  };
  es.onerror = () => onLink(false);
  es.onmessage = (m) => onEvent(JSON.parse(m.data as string) as UiEvent);
}
