/**
 * The page: the phone on the left, the inspector on the right, both drawn from one list of
 * exchanges that the server streams as they happen.
 */
import type { ExchangeSummary, UiMode } from '../wire.js';
import { api, listen, uiKey } from './api.js';
import { h } from './dom.js';
import { InspectorView } from './inspector.js';
import { PhoneView } from './phone.js';

async function boot(): Promise<void> {
  const app = document.getElementById('app')!;
  const state = await api.state();
  let exchanges: ExchangeSummary[] = [];
  const ids = new Set<number>();
  let mode: UiMode = state.mode;
  const users = new Set(state.users);

  const inspector = new InspectorView({
    detail: (id) => api.exchange(id),
    // The detail follows the replay's new exchange, even when the replayed one was an older row.
    replay: async (id) => {
      const x = await api.replay(id);
      add([x]);
      void inspector.select(x.id, true);
    },
    curl: async (id) => (await api.curl(id)).curl,
  });
  const phone: PhoneView = new PhoneView(state, {
    send: async (body): Promise<void> => add([await api.send({ ...body, user: phone.user, mode })]),
    switchUser: (user) => {
      users.add(user);
      phone.setUsers([...users]);
      phone.render(exchanges);
    },
    switchMode: (m) => {
      mode = m;
    },
  });

  // Scheduled per frame: a burst of events redraws once.
  let frame = 0;
  const redraw = () => {
    if (frame !== 0) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      phone.render(exchanges);
      inspector.update(exchanges);
    });
  };
  function add(list: ExchangeSummary[]): void {
    for (const x of list) {
      if (ids.has(x.id)) continue;
      ids.add(x.id);
      exchanges.push(x);
      if (x.user && !users.has(x.user)) {
        users.add(x.user);
        phone.setUsers([...users]);
      }
    }
    if (exchanges.length > state.capacity) {
      for (const x of exchanges.splice(0, exchanges.length - state.capacity)) ids.delete(x.id);
    }
    redraw();
  }
  const reload = async () => {
    const all = await api.exchanges();
    exchanges = [];
    ids.clear();
    add(all);
  };

  // Shown while the event stream is down: the page would otherwise look alive with nothing behind it.
  // Back on a new run of wxbot, it stays: this page's key is the earlier run's, and sends would be refused.
  const offline = h('span', { class: 'error', testid: 'offline', hidden: true });
  let earlierRun = false;
  let down = false;
  const link = async (up: boolean) => {
    if (up && down && !earlierRun) earlierRun = (await api.state()).run !== state.run;
    down = !up;
    offline.textContent = earlierRun
      ? '　wxbot 已重新运行：请打开它新打印的地址（本页属于上一次运行，发不出消息）'
      : '　已与 wxbot 断开：它停止了吗？再次运行后本页自动重连';
    offline.hidden = up && !earlierRun;
  };
  app.replaceChildren(
    h(
      'div',
      { class: 'top' },
      h('b', {}, 'wxbot ui'),
      h('span', {}, ` → ${state.target}`),
      uiKey ? null : h('span', { class: 'error' }, '（只读：请从 wxbot 打印的地址打开本页）'),
      offline,
    ),
    h('main', {}, phone.root, inspector.root),
  );
  listen(
    (e) => (e.type === 'exchange' ? add([e.exchange]) : void reload()),
    () => void reload(),
    (up) => void link(up).catch(() => undefined),
  );
  await reload();
}

boot().catch((err: unknown) => {
  document.getElementById('app')!.textContent = `wxbot ui: ${(err as Error).message}`;
});
