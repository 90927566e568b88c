/**
 * The end-to-end check `wxbot tunnel` runs through the PUBLIC URL, before telling anyone to paste it:
 * the console's signed GET verification, then a signed (and, in safe mode, encrypted) text push,
 * judged exactly as `wxbot simulate` judges them.
 */
import { SimulateError } from '../simulate/errors.js';
import { textMessage } from '../simulate/messages.js';
import type { SimulateMode } from '../simulate/push.js';
import { sendMessage } from '../simulate/send.js';
import { badSignatureNote, verifyUrl } from '../simulate/verify.js';

export interface SelfCheckOptions {
  /** The callback URL as WeChat will call it (public base + path). */
  url: string;
  token: string;
  aesKey?: string;
  appId?: string;
  /** Default: safe when the key and AppID are known, else plain (what the paste box recommends). */
  mode?: SimulateMode;
  /** The local port behind the tunnel, named in explanations. */
  localPort?: number;
  /** Per request; default 5000 ms, WeChat's own limit. */
  timeoutMs?: number;
  /** The text pushed in the second step. */
  text?: string;
}

export interface SelfCheckStep {
  name: 'verify' | 'message';
  ok: boolean;
  status: number | null;
  ms: number;
  problems: string[];
  warnings: string[];
  /** For the message step: the reply's text (or `[news]`, `success`…), to show the bot answered. */
  reply?: string;
  /** For the verify step: how the server refused a wrongly signed GET (`badSignatureNote`). */
  note?: string;
}

export interface SelfCheckResult {
  ok: boolean;
  url: string;
  mode: SimulateMode;
  steps: SelfCheckStep[];
  /** Nothing answered at the public URL at all (DNS, refused, TLS): a network problem, not the bot's. */
  unreachable: boolean;
}

/** A tunnel's own error page says more than "HTTP 502": name the cause. */
export function explainTunnelResponse(
  status: number | null,
  body: string | null,
  localPort?: number,
): string | undefined {
  const code = body ? /ERR_NGROK_\d+/.exec(body)?.[0] : undefined;
  const port = localPort ? ` on port ${localPort}` : '';
  if (code === 'ERR_NGROK_8012' || (status !== null && [502, 504].includes(status))) {
    return `the tunnel is up but the local server${port} is not answering it${code ? ` (ngrok ${code})` : ` (HTTP ${status})`}: is it running, and on that port?`;
  }
  if (code === 'ERR_NGROK_3200')
    return 'ngrok says the endpoint is offline (ERR_NGROK_3200): the tunnel closed; restart `wxbot tunnel`';
  if (code)
    return `ngrok answered with its own error page (${code}): see https://ngrok.com/docs/errors/${code.toLowerCase()}`;
  return undefined;
}

function replyText(r: Awaited<ReturnType<typeof sendMessage>>): string | undefined {
  if (r.reply?.MsgType === 'text') return r.reply.Content;
  if (r.reply) return `[${r.reply.MsgType}]`;
  return r.ack === null ? undefined : r.ack || '(empty)';
}

export async function selfCheck(o: SelfCheckOptions): Promise<SelfCheckResult> {
  const mode: SimulateMode = o.mode ?? (o.aesKey && o.appId ? 'safe' : 'plain');
  const steps: SelfCheckStep[] = [];
  let unreachable = false;
  const network = (name: SelfCheckStep['name'], err: SimulateError): SelfCheckStep => {
    unreachable = true;
    return {
      name,
      ok: false,
      status: null,
      ms: 0,
      problems: [`cannot reach ${o.url} from this machine: ${err.message}`],
      warnings: [],
    };
  };

  try {
    const v = await verifyUrl({ url: o.url, token: o.token, timeoutMs: o.timeoutMs });
    const why = v.ok ? undefined : explainTunnelResponse(v.status, v.raw, o.localPort);
    steps.push({
      name: 'verify',
      ok: v.ok,
      status: v.status,
      ms: v.ms,
      problems: why ? [why, ...v.problems] : v.problems,
      warnings: v.warnings,
      note: badSignatureNote(v),
    });
  } catch (err) {
    if (!(err instanceof SimulateError && err.code === 'SIMULATE_NETWORK')) throw err;
    steps.push(network('verify', err));
  }

  if (!unreachable) {
    try {
      const r = await sendMessage({
        url: o.url,
        message: textMessage(o.text ?? '你好'),
        timeoutMs: o.timeoutMs,
        settings: { token: o.token, mode, aesKey: o.aesKey, appId: o.appId },
      });
      const ok = r.problems.length === 0;
      const why = ok ? undefined : explainTunnelResponse(r.status, r.raw, o.localPort);
      const step: SelfCheckStep = {
        name: 'message',
        ok,
        status: r.status,
        ms: r.ms,
        problems: why ? [why, ...r.problems] : r.problems,
        warnings: r.warnings,
      };
      const reply = replyText(r);
      if (reply !== undefined) step.reply = reply;
      steps.push(step);
    } catch (err) {
      if (!(err instanceof SimulateError && err.code === 'SIMULATE_NETWORK')) throw err;
      steps.push(network('message', err));
    }
  }
  return { ok: steps.length === 2 && steps.every((s) => s.ok), url: o.url, mode, steps, unreachable };
}
