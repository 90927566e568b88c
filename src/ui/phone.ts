/**
 * The phone's side of the UI: plays WeChat against the target webhook (signed, encrypted in compat and
 * safe mode, judged like `wxbot simulate`), and logs every push it makes.
 */
import type { WechatMessage } from '../protocol/messages.js';
import { withFreshIds } from '../history/replay.js';
import { SimulateError } from '../simulate/errors.js';
import { newNonce } from '../simulate/ids.js';
import { buildPushRequest, type SimulateMode } from '../simulate/push.js';
import { sendMessage } from '../simulate/send.js';
import type { ExchangeLog } from './exchange-log.js';
import type { ExchangeDetail } from './wire.js';
import { PhoneInputError } from './phone-message.js';
import { fromPhone, unreachable } from './record.js';

export interface UiTarget {
  /** The webhook URL, path included. */
  url: string;
  token: string;
  aesKey?: string;
  appId?: string;
}

export class Phone {
  /** Nonces of pushes in flight: the serve hook leaves those to the phone, which logs them judged. */
  readonly inFlight = new Set<string>();
  readonly #target: UiTarget;
  readonly #log: ExchangeLog;
  readonly #timeoutMs: number | undefined;
  readonly #onLogged: (d: ExchangeDetail) => void;

  constructor(target: UiTarget, log: ExchangeLog, onLogged: (d: ExchangeDetail) => void, timeoutMs?: number) {
    this.#target = target;
    this.#log = log;
    this.#onLogged = onLogged;
    this.#timeoutMs = timeoutMs;
  }

  get modes(): SimulateMode[] {
    return this.#target.aesKey && this.#target.appId ? ['plain', 'compat', 'safe'] : ['plain'];
  }

  #settings(mode: SimulateMode) {
    if (!this.modes.includes(mode)) throw new PhoneInputError(`${mode} mode needs the EncodingAESKey and AppID`);
    const { token, aesKey, appId } = this.#target;
    return { token, aesKey, appId, mode };
  }

  async push(message: WechatMessage, mode: SimulateMode, replayOf?: number): Promise<ExchangeDetail> {
    const settings = this.#settings(mode);
    const nonce = newNonce();
    this.inFlight.add(nonce);
    let entry;
    try {
      const r = await sendMessage({
        url: this.#target.url,
        message,
        settings,
        push: { nonce },
        timeoutMs: this.#timeoutMs,
        // As the phone would: an unanswered push is delivered again, and a slow answer may come on a later delivery.
        retry: true,
      });
      entry = fromPhone(message, mode, r, replayOf);
    } catch (err) {
      if (!(err instanceof SimulateError) || err.code !== 'SIMULATE_NETWORK') throw err;
      entry = unreachable(message, mode, this.#target.url, err.message);
      if (replayOf !== undefined) entry.replayOf = replayOf;
    } finally {
      // The server reports its side when the answer is written, which can come after our read of it.
      setTimeout(() => this.inFlight.delete(nonce), 10_000).unref();
    }
    const d = this.#log.add(entry);
    this.#onLogged(d);
    return d;
  }

  /** The same message again, with fresh ids so the server runs the bot again instead of deduping it. */
  replay(of: ExchangeDetail): Promise<ExchangeDetail> {
    if (!of.message) throw new PhoneInputError(`exchange ${of.id} carries no message to replay`);
    const mode = this.modes.includes(of.mode) ? of.mode : 'plain';
    return this.push(withFreshIds(of.message as unknown as WechatMessage), mode, of.id);
  }

  /** A curl command line that sends the message again, freshly signed (valid for WeChat's 5 minutes of clock skew). */
  curl(of: ExchangeDetail): string {
    if (!of.message) throw new PhoneInputError(`exchange ${of.id} carries no message to send`);
    const mode = this.modes.includes(of.mode) ? of.mode : 'plain';
    const req = buildPushRequest(
      this.#target.url,
      withFreshIds(of.message as unknown as WechatMessage),
      this.#settings(mode),
    );
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    return `curl -sS -X POST ${q(req.url)} -H 'Content-Type: text/xml' --data-binary ${q(req.body)}`;
  }
}
