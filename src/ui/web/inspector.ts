/**
 * The inspector: every exchange, newest first, and the selected one in full. The list is virtual
 * (only the rows in view exist as elements) so thousands of exchanges cost a few dozen nodes.
 */
import type { ExchangeDetail, ExchangeSummary, UiCustomService, UiDelivery } from '../wire.js';
import { h, shortId } from './dom.js';

const ROW = 28;
const OVERSCAN = 8;

/** A request or reply body, as written. */
const code = (text: string) => h('pre', {}, text);

export interface InspectorHost {
  detail(id: number): Promise<ExchangeDetail>;
  replay(id: number): Promise<void>;
  curl(id: number): Promise<string>;
}

const clock = (t: number) => new Date(t).toLocaleTimeString('zh-CN', { hour12: false });

function verdict(x: ExchangeSummary): string {
  if (x.problems > 0) return 'bad';
  if (x.warnings > 0) return 'warn';
  return 'ok';
}

export class InspectorView {
  readonly root: HTMLElement;
  readonly #scroller = h('div', { class: 'rows' });
  readonly #spacer = h('div', { class: 'spacer' });
  readonly #window = h('div', { class: 'window' });
  readonly #detail = h('div', { class: 'detail' }, h('p', { class: 'hint' }, '选择一条请求查看详情'));
  readonly #count = h('span', { class: 'count' });
  readonly #host: InspectorHost;
  /** Newest first. */
  #rows: ExchangeSummary[] = [];
  #selected: number | null = null;
  #follow = true;

  constructor(host: InspectorHost) {
    this.#host = host;
    this.#spacer.append(this.#window);
    this.#scroller.append(this.#spacer);
    this.#scroller.addEventListener('scroll', () => this.#draw());
    this.#window.setAttribute('role', 'listbox');
    this.#window.setAttribute('aria-label', '请求');
    this.#window.addEventListener('keydown', (e) => this.#key(e));
    this.root = h(
      'section',
      { class: 'inspector' },
      h('header', {}, h('b', {}, '请求'), this.#count),
      this.#scroller,
      this.#detail,
    );
  }

  /** All exchanges, oldest first (as the app keeps them). */
  update(exchanges: ExchangeSummary[]): void {
    this.#rows = exchanges.slice().reverse();
    this.#count.textContent = `${exchanges.length} 条`;
    this.#spacer.style.height = `${this.#rows.length * ROW}px`;
    this.#draw();
    // Following the newest until the user picks an older one.
    const newest = this.#rows[0];
    if (newest && (this.#follow || this.#selected === null) && newest.id !== this.#selected)
      void this.select(newest.id, true);
  }

  /** Enter or Space selects the focused row; the arrows move to the next or the previous one. */
  #key(e: KeyboardEvent): void {
    const row = (e.target as HTMLElement).closest<HTMLElement>('[data-id]');
    if (!row) return;
    const at = this.#rows.findIndex((x) => x.id === Number(row.dataset.id));
    if (at < 0) return;
    let to = at;
    if (e.key === 'ArrowDown') to = Math.min(this.#rows.length - 1, at + 1);
    else if (e.key === 'ArrowUp') to = Math.max(0, at - 1);
    else if (e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    const id = this.#rows[to]!.id;
    // Scrolled into view first: the list only draws the rows in view.
    const top = to * ROW;
    if (top < this.#scroller.scrollTop) this.#scroller.scrollTop = top;
    else if (top + ROW > this.#scroller.scrollTop + this.#scroller.clientHeight)
      this.#scroller.scrollTop = top + ROW - this.#scroller.clientHeight;
    void this.select(id, to === 0);
    this.#window.querySelector<HTMLElement>(`[data-id="${id}"]`)?.focus();
  }

  #draw(): void {
    // The rows are drawn anew: the one that had the keyboard's focus gets it back.
    const focused = this.#window.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).dataset.id
      : undefined;
    const top = this.#scroller.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const last = Math.min(this.#rows.length, Math.ceil((top + this.#scroller.clientHeight) / ROW) + OVERSCAN);
    this.#window.style.transform = `translateY(${first * ROW}px)`;
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const x = this.#rows[i]!;
      rows.push(
        h(
          'div',
          {
            class: `exchange ${verdict(x)}${x.id === this.#selected ? ' selected' : ''}`,
            testid: 'exchange',
            'data-id': x.id,
            role: 'option',
            tabindex: 0,
            'aria-selected': String(x.id === this.#selected),
            onclick: () => void this.select(x.id, i === 0),
          },
          h('span', { class: 'time' }, clock(x.time)),
          sourceCell(x),
          h('span', { class: 'user' }, shortId(x.user)),
          h('span', { class: 'label' }, x.label),
          h('span', { class: 'status' }, x.status === null ? '—' : String(x.status)),
          h('span', { class: 'ms' }, `${Math.round(x.ms)} ms`),
        ),
      );
    }
    this.#window.replaceChildren(...rows);
    if (focused) this.#window.querySelector<HTMLElement>(`[data-id="${focused}"]`)?.focus();
  }

  async select(id: number, follow: boolean): Promise<void> {
    this.#selected = id;
    this.#follow = follow;
    this.#draw();
    let d: ExchangeDetail;
    try {
      d = await this.#host.detail(id);
    } catch (err) {
      this.#detail.replaceChildren(h('p', { class: 'error' }, (err as Error).message));
      return;
    }
    if (this.#selected === id) this.#detail.replaceChildren(...this.#render(d));
  }

  #render(d: ExchangeDetail): HTMLElement[] {
    if (d.customService) return customServiceDetail(d, d.customService);
    const pct = Math.min(100, (d.ms / d.limitMs) * 100);
    // Through the CSSOM: the page's CSP allows no inline style attributes.
    const bar = h('div', { class: `bar ${verdict(d)}` });
    bar.style.width = `${pct}%`;
    const curlOut = h('pre', { class: 'curl', hidden: true });
    const buttons = h(
      'div',
      { class: 'buttons' },
      d.message ? h('button', { testid: 'replay', onclick: () => void this.#host.replay(d.id) }, '重放 replay') : null,
      d.message
        ? h(
            'button',
            {
              testid: 'copy-curl',
              onclick: async () => {
                const c = await this.#host.curl(d.id);
                curlOut.textContent = c;
                curlOut.hidden = false;
                await navigator.clipboard?.writeText(c).catch(() => undefined);
              },
            },
            '复制为 curl',
          )
        : null,
    );
    const parts: (HTMLElement | null)[] = [
      h('h3', {}, `#${d.id} ${d.label}`),
      h(
        'p',
        { class: 'meta' },
        `${new Date(d.time).toLocaleString('zh-CN', { hour12: false })} · ${d.mode} · ${d.source === 'phone' ? '手机' : 'serve'} · 用户 ${d.user}${d.replayOf ? ` · 重放 #${d.replayOf}` : ''}`,
      ),
      h(
        'div',
        { class: 'timing', title: `微信等待 ${d.limitMs / 1000} 秒` },
        bar,
        h('span', {}, `${Math.round(d.ms)} ms / ${d.limitMs} ms · HTTP ${d.status ?? '无应答'}`),
      ),
      d.deliveries
        ? h(
            'ol',
            { class: 'deliveries', testid: 'deliveries' },
            d.deliveries.map((x) => h('li', {}, deliveryText(x))),
          )
        : null,
      d.problemList.length
        ? h(
            'ul',
            { class: 'problems' },
            d.problemList.map((p) => h('li', {}, p)),
          )
        : null,
      d.warningList.length
        ? h(
            'ul',
            { class: 'warnings' },
            d.warningList.map((p) => h('li', {}, p)),
          )
        : null,
      buttons,
      curlOut,
      h('h4', {}, `${d.method} 签名 URL`),
      code(d.url),
      h(
        'div',
        { testid: 'inspector-request' },
        h('h4', {}, d.requestXml ? '请求（加密）' : '请求'),
        code(d.requestBody),
        d.requestXml ? [h('h4', {}, '请求（解密）'), code(d.requestXml)] : null,
      ),
      h(
        'div',
        { testid: 'inspector-reply' },
        h('h4', {}, d.replyXml ? '回复（加密）' : '回复'),
        code(d.replyBody ?? '（无应答）'),
        d.replyXml ? [h('h4', {}, '回复（解密）'), code(d.replyXml)] : null,
      ),
    ];
    return parts.filter((e): e is HTMLElement => e !== null);
  }
}

/** Where a row came from: this page's phone, a request `wxbot serve` got, or a customer-service message it sent. */
function sourceCell(x: ExchangeSummary): HTMLElement {
  const [text, title] = x.customService
    ? ['客服', 'wxbot serve 通过客服消息接口发出的迟到回复']
    : x.source === 'phone'
      ? ['手机', '本页手机发出']
      : ['serve', 'wxbot serve 收到'];
  return h('span', { class: 'src', title }, text);
}

/**
 * A late answer sent through the customer-service API: no request came in, so no signed URL, timing or
 * replay; what was sent to whom, and WeChat's answer.
 */
function customServiceDetail(d: ExchangeDetail, cs: UiCustomService): HTMLElement[] {
  const verdict = cs.sent
    ? '微信已接受（errcode 0）：粉丝现在收到这条消息'
    : `未送达：${cs.why ?? ''}${cs.hint ? ` — ${cs.hint}` : ''}`;
  return [
    h('h3', {}, `#${d.id} ${d.label}`),
    h(
      'p',
      { class: 'meta' },
      `${new Date(d.time).toLocaleString('zh-CN', { hour12: false })} · 客服消息（迟到的回复，已先回 success） · 发往 ${cs.to}`,
    ),
    h('p', { class: cs.sent ? 'verdict ok' : 'verdict error', testid: 'custom-service-verdict' }, verdict),
    h('h4', {}, `${d.method} ${d.url}`),
    h('div', { testid: 'inspector-request' }, h('h4', {}, '客服消息'), code(d.requestBody)),
    h(
      'div',
      { testid: 'inspector-reply' },
      h('h4', {}, '微信答复'),
      code(d.replyBody ?? '（没有调用接口：wxbot 未发出）'),
    ),
  ];
}

/** One delivery of a push, as WeChat would see it: answered, or why it delivers again. */
function deliveryText(x: UiDelivery): string {
  const ms = `${Math.round(x.ms)} ms`;
  switch (x.outcome) {
    case 'answered':
      return `第 ${x.attempt} 次投递：HTTP ${x.status} · ${ms}`;
    case 'timeout':
      return `第 ${x.attempt} 次投递：${ms} 内无应答，微信重新投递`;
    case 'dropped':
      return `第 ${x.attempt} 次投递：服务器未回复就关闭了连接（${ms}），微信重新投递`;
    case 'unreachable':
      return `第 ${x.attempt} 次投递：连不上服务器`;
  }
}
