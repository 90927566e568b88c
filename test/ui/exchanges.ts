// An exchange as `wxbot serve` hands it to the UI (UiServer.observe): a plain POST answered `success`.
import type { Exchange } from '../../src/server/types.js';
import type { WechatMessage } from '../../src/protocol/messages.js';

export function servedExchange(id: string, message: WechatMessage, more: Partial<Exchange> = {}): Exchange {
  return {
    id,
    time: new Date().toISOString(),
    method: 'POST',
    path: '/wechat',
    query: {},
    body: '',
    mode: 'plain',
    status: 200,
    reply: 'success',
    latencyMs: 1,
    dedupe: false,
    late: false,
    message,
    ...more,
  } as Exchange;
}
