/**
 * The phone: WeChat's conversation screen for the account, for one fake user at a time. The
 * composer sends text, `+` the other message kinds, and the custom menu the events its buttons send.
 */
import type { ExchangeSummary, MenuButtonSpec, UiMode, UiState } from '../wire.js';
import { exchangeView, userSide } from './bubbles.js';
import { h, shortId } from './dom.js';

/** How many of the user's latest exchanges the conversation shows. */
const SHOWN = 200;

interface Field {
  name: string;
  label: string;
  value?: string;
}

// The composer's `+` actions: every kind the simulator sends, with what each asks for.
const ACTIONS: { kind: string; label: string; fields: Field[] }[] = [
  {
    kind: 'image',
    label: '图片',
    fields: [{ name: 'url', label: '图片 URL', value: 'https://example.com/photo.jpg' }],
  },
  { kind: 'voice', label: '语音', fields: [{ name: 'recognition', label: '语音识别结果', value: '今天天气怎么样' }] },
  { kind: 'video', label: '视频', fields: [] },
  {
    kind: 'location',
    label: '位置',
    fields: [
      { name: 'lat', label: '纬度', value: '23.1291' },
      { name: 'lng', label: '经度', value: '113.2644' },
      { name: 'label', label: '地名', value: '广州塔' },
    ],
  },
  {
    kind: 'link',
    label: '链接',
    fields: [
      { name: 'url', label: 'URL', value: 'https://example.com/article' },
      { name: 'title', label: '标题', value: '一篇文章' },
      { name: 'description', label: '描述', value: '' },
    ],
  },
  { kind: 'subscribe', label: '关注', fields: [{ name: 'scene', label: '二维码场景（可空）', value: '' }] },
  { kind: 'unsubscribe', label: '取消关注', fields: [] },
  { kind: 'scan', label: '扫码', fields: [{ name: 'scene', label: '场景值', value: '1001' }] },
];

// What a menu button asks for before WeChat sends its event.
const MENU_FIELDS: Record<string, Field[]> = {
  scancode_push: [{ name: 'result', label: '扫码结果', value: 'https://example.com/scanned' }],
  scancode_waitmsg: [{ name: 'result', label: '扫码结果', value: 'https://example.com/scanned' }],
  location_select: [
    { name: 'lat', label: '纬度', value: '23.1291' },
    { name: 'lng', label: '经度', value: '113.2644' },
    { name: 'label', label: '地名', value: '广州塔' },
  ],
};

/** An exchange's identity across reloads and runs (ids start again at 1 when wxbot runs again). */
const exchangeKey = (x: ExchangeSummary) => `${x.id}@${x.time}`;

export interface PhoneHost {
  send(body: Record<string, unknown>): Promise<void>;
  switchUser(user: string): void;
  switchMode(mode: UiMode): void;
}

export class PhoneView {
  readonly root: HTMLElement;
  readonly #chat = h('div', { class: 'chat' });
  readonly #sheet = h('div', { class: 'sheet', hidden: true });
  readonly #users: HTMLSelectElement;
  readonly #pending = h('div', { class: 'pending' });
  readonly #host: PhoneHost;
  readonly #save = h(
    'a',
    {
      testid: 'save-convo',
      class: 'save',
      download: 'wxbot-ui.convo',
      title: '保存对话为 .convo（wxbot test 可运行）',
    },
    '⇩ .convo',
  );
  #user: string;
  /** The drawn exchanges, by exchangeKey: kept across renders so a playing clip plays on. */
  readonly #drawn = new Map<string, HTMLElement>();
  /** Set when this page's user just sent something or switched users: the next render shows the newest. */
  #reveal = false;
  #closeMenu: () => void = () => undefined;

  constructor(state: UiState, host: PhoneHost) {
    this.#host = host;
    this.#user = state.users[0]!;
    this.#users = h('select', { testid: 'user-switch', title: '切换用户（OpenID）', onchange: () => this.#pickUser() });
    this.setUsers(state.users);
    const mode = h(
      'select',
      {
        testid: 'mode-switch',
        title: '消息加解密方式',
        onchange: (e) => host.switchMode((e.target as HTMLSelectElement).value as UiMode),
      },
      (['plain', 'compat', 'safe'] as UiMode[]).map((m) =>
        h(
          'option',
          { value: m, disabled: !state.modes.includes(m), selected: m === state.mode },
          `${{ plain: '明文', compat: '兼容', safe: '安全' }[m]} ${m}`,
        ),
      ),
    );
    const input: HTMLInputElement = h('input', {
      testid: 'composer',
      placeholder: '发消息',
      autocomplete: 'off',
      onkeydown: (e) => {
        const k = e as KeyboardEvent;
        // Enter while an input method composes (Chinese pinyin) picks the candidate: it sends nothing.
        if (k.key === 'Enter' && !k.isComposing && k.keyCode !== 229) this.#sendText(input);
      },
    });
    const composer = h(
      'div',
      { class: 'composer' },
      input,
      h('button', { testid: 'send', class: 'primary', onclick: () => this.#sendText(input) }, '发送'),
      h('button', { testid: 'more', title: '更多消息类型', onclick: () => this.#actions() }, '+'),
    );
    this.root = h(
      'section',
      { class: 'phone' },
      h(
        'header',
        {},
        h('b', { title: state.target }, state.account),
        h('span', { class: 'controls' }, this.#users, mode, state.canSaveConvo ? this.#save : null),
      ),
      this.#chat,
      this.#sheet,
      composer,
      state.menu ? this.#menuBar(state.menu.button) : null,
    );
    // Escape closes the `+` sheet and the menu's pop-up; a click elsewhere closes the pop-up.
    this.root.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      this.#sheet.hidden = true;
      this.#closeMenu();
    });
    document.addEventListener('click', (e) => {
      if (!(e.target as Element).closest?.('.menu-wrap')) this.#closeMenu();
    });
  }

  get user(): string {
    return this.#user;
  }

  setUsers(users: string[]): void {
    this.#save.href = `/api/convo?user=${encodeURIComponent(this.#user)}`;
    this.#users.replaceChildren(
      ...users.map((u) => h('option', { value: u, selected: u === this.#user }, `用户 ${shortId(u)}`)),
      h('option', { value: '+' }, '+ 新用户'),
    );
  }

  #pickUser(): void {
    let user = this.#users.value;
    if (user === '+') user = `oUserOpenId${String(Date.now()).slice(-10).padStart(17, '0')}`;
    this.#user = user;
    this.#reveal = true;
    this.#host.switchUser(user);
  }

  /**
   * Draws the current user's conversation from the exchanges (oldest first). Exchanges already drawn
   * keep their elements (a clip plays on, a picture is not fetched again); only new ones are added.
   */
  render(exchanges: ExchangeSummary[]): void {
    const mine: ExchangeSummary[] = [];
    for (let i = exchanges.length - 1; i >= 0 && mine.length < SHOWN; i--)
      if (exchanges[i]!.user === this.#user) mine.push(exchanges[i]!);
    mine.reverse();
    const chat = this.#chat;
    const atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 40;
    const keys = new Set(mine.map(exchangeKey));
    for (const [key, el] of this.#drawn) {
      if (keys.has(key)) continue;
      el.remove();
      this.#drawn.delete(key);
    }
    // Kept elements are already in order (ids only grow): new ones go in before the next kept one.
    let next: ChildNode | null = chat.firstChild;
    for (const x of mine) {
      const key = exchangeKey(x);
      const el = this.#drawn.get(key);
      if (el && el === next) {
        next = el.nextSibling;
        continue;
      }
      const fresh = el ?? exchangeView(x);
      this.#drawn.set(key, fresh);
      chat.insertBefore(fresh, next);
    }
    if (this.#pending.parentNode !== chat || this.#pending.nextSibling) chat.append(this.#pending);
    // Only a reader already at the bottom, or who just sent, is taken to the newest.
    if (atBottom || this.#reveal) chat.scrollTop = chat.scrollHeight;
    this.#reveal = false;
  }

  async #push(body: Record<string, unknown>, preview: HTMLElement | null, restore?: () => void): Promise<void> {
    const shown = preview ? h('div', { class: 'turn sending' }, preview) : null;
    if (shown) this.#pending.append(shown);
    this.#chat.scrollTop = this.#chat.scrollHeight;
    try {
      await this.#host.send(body);
      this.#reveal = true;
    } catch (err) {
      this.#pending.append(h('div', { class: 'note error' }, `没有发出：${(err as Error).message}`));
      restore?.();
    } finally {
      shown?.remove();
    }
  }

  #sendText(input: HTMLInputElement): void {
    const content = input.value;
    if (content.trim() === '') return;
    input.value = '';
    const fake = { MsgType: 'text', Content: content, FromUserName: this.#user, ToUserName: '' };
    // Not sent: the text goes back into the composer, unless something else was typed meanwhile.
    const restore = () => {
      if (input.value === '') input.value = content;
    };
    void this.#push({ kind: 'text', content }, userSide(fake), restore);
  }

  /** A small form over the composer; `fields` empty sends at once. */
  #ask(title: string, fields: Field[], body: Record<string, unknown>): void {
    if (fields.length === 0) {
      this.#sheet.hidden = true;
      void this.#push(body, null);
      return;
    }
    const inputs = fields.map((f) => h('input', { name: f.name, value: f.value ?? '', 'aria-label': f.label }));
    const submit = (e: Event) => {
      e.preventDefault();
      const values: Record<string, unknown> = { ...body };
      for (const i of inputs) values[i.name] = i.value;
      this.#sheet.hidden = true;
      void this.#push(values, null);
    };
    this.#sheet.replaceChildren(
      h(
        'form',
        { onsubmit: submit },
        h('b', {}, title),
        fields.map((f, i) => h('label', {}, f.label, inputs[i]!)),
        h(
          'div',
          { class: 'buttons' },
          h('button', { type: 'submit', class: 'primary', testid: 'sheet-send' }, '发送'),
          h('button', { type: 'button', onclick: () => (this.#sheet.hidden = true) }, '取消'),
        ),
      ),
    );
    this.#sheet.hidden = false;
  }

  #actions(): void {
    if (!this.#sheet.hidden) {
      this.#sheet.hidden = true;
      return;
    }
    this.#sheet.replaceChildren(
      h(
        'div',
        { class: 'grid' },
        ACTIONS.map((a) =>
          h(
            'button',
            { testid: `action-${a.kind}`, onclick: () => this.#ask(a.label, a.fields, { kind: a.kind }) },
            a.label,
          ),
        ),
      ),
    );
    this.#sheet.hidden = false;
  }

  #menuBar(buttons: MenuButtonSpec[]): HTMLElement {
    const popup = h('div', { class: 'menu-popup', hidden: true });
    this.#closeMenu = () => (popup.hidden = true);
    const leaf = (b: MenuButtonSpec) => () => {
      popup.hidden = true;
      const type = b.type ?? '';
      if (type === 'media_id' || type === 'view_limited' || type === 'article_id' || type === 'article_view_limited') {
        this.#pending.append(
          h('div', { class: 'note' }, `「${b.name}」打开素材 ${b.media_id ?? b.article_id ?? ''}：微信不推送事件`),
        );
        return;
      }
      const body = { kind: 'menu', type, key: b.key, url: b.url, pagepath: b.pagepath };
      this.#ask(b.name, MENU_FIELDS[type] ?? [], body);
    };
    const bar = h(
      'nav',
      { class: 'menu' },
      buttons.map((b) => {
        const subs = b.sub_button ?? [];
        const open = () => {
          popup.replaceChildren(...subs.map((s) => h('button', { testid: 'menu-item', onclick: leaf(s) }, s.name)));
          popup.hidden = !popup.hidden;
        };
        return h(
          'button',
          { testid: 'menu-button', onclick: subs.length > 0 ? open : leaf(b) },
          subs.length > 0 ? `≡ ${b.name}` : b.name,
        );
      }),
    );
    return h('div', { class: 'menu-wrap' }, popup, bar);
  }
}
