import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createMenu,
  deleteMenu,
  getMenu,
  MenuValidationError,
  validateMenu,
  type WechatApi,
} from '../../src/wechat-api/index.js';
import { useFakeWechatApi, type FakeWechatApi } from '../fakes/wechat-api.js';

// The example of protocol.md §6.4.
const DOC_MENU = {
  button: [
    { type: 'click', name: '今日歌曲', key: 'V1001_TODAY_MUSIC' },
    {
      name: '菜单',
      sub_button: [
        { type: 'view', name: '搜索', url: 'https://www.soso.com/' },
        {
          type: 'miniprogram',
          name: 'wxa',
          url: 'https://mp.weixin.qq.com',
          appid: 'wx286b93c14bbf93aa',
          pagepath: 'pages/lunar/index',
        },
        { type: 'click', name: '赞一下我们', key: 'V1001_GOOD' },
      ],
    },
  ],
};

const paths = (input: unknown) => validateMenu(input).map((p) => p.path);
const leaf = (name = 'b') => ({ type: 'click', name, key: 'K' });

describe('menu validation', () => {
  test('the documented example is valid', () => {
    assert.deepEqual(validateMenu(DOC_MENU), []);
  });

  test('1 to 3 top-level buttons', () => {
    assert.deepEqual(paths({ button: [] }), ['$.button']);
    assert.deepEqual(paths({ button: [leaf(), leaf(), leaf(), leaf()] }), ['$.button']);
    assert.deepEqual(paths({ button: [leaf(), leaf(), leaf()] }), []);
    assert.deepEqual(paths({}), ['$.button']);
    assert.deepEqual(paths([]), ['$']);
  });

  test('1 to 5 sub-buttons; an empty list needs a type instead', () => {
    const six = { button: [{ name: 'm', sub_button: Array.from({ length: 6 }, (_, i) => leaf(`s${i}`)) }] };
    assert.deepEqual(paths(six), ['$.button[0].sub_button']);
    assert.deepEqual(paths({ button: [{ name: 'm', sub_button: [] }] }), ['$.button[0].sub_button']);
    assert.deepEqual(paths({ button: [{ name: 'm', sub_button: Array.from({ length: 5 }, () => leaf()) }] }), []);
  });

  test('a button with sub_button has no type; sub-buttons cannot nest', () => {
    assert.deepEqual(paths({ button: [{ name: 'm', type: 'click', key: 'k', sub_button: [leaf()] }] }), [
      '$.button[0].type',
    ]);
    assert.deepEqual(paths({ button: [{ name: 'm', sub_button: [{ name: 's', sub_button: [leaf()] }] }] }), [
      '$.button[0].sub_button[0].sub_button',
    ]);
  });

  test('name byte limits: 16 at the top, 60 below (UTF-8 bytes, not characters)', () => {
    assert.deepEqual(paths({ button: [leaf('一二三四五')] }), []); // 15 bytes
    assert.deepEqual(paths({ button: [leaf('一二三四五六')] }), ['$.button[0].name']); // 18 bytes
    assert.deepEqual(paths({ button: [{ name: 'm', sub_button: [leaf('字'.repeat(20))] }] }), []); // 60
    assert.deepEqual(paths({ button: [{ name: 'm', sub_button: [leaf('字'.repeat(21))] }] }), [
      '$.button[0].sub_button[0].name',
    ]);
    assert.deepEqual(paths({ button: [{ type: 'click', key: 'k' }] }), ['$.button[0].name']);
  });

  test('key ≤ 128 bytes and url ≤ 1024 bytes', () => {
    assert.deepEqual(paths({ button: [{ type: 'click', name: 'a', key: 'k'.repeat(128) }] }), []);
    assert.deepEqual(paths({ button: [{ type: 'click', name: 'a', key: 'k'.repeat(129) }] }), ['$.button[0].key']);
    const url = `https://e.com/${'x'.repeat(1024 - 14)}`;
    assert.deepEqual(paths({ button: [{ type: 'view', name: 'a', url }] }), []);
    assert.deepEqual(paths({ button: [{ type: 'view', name: 'a', url: `${url}y` }] }), ['$.button[0].url']);
  });

  test('required fields per type', () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ type: 'click', name: 'a' }, ['$.button[0].key']],
      [{ type: 'scancode_waitmsg', name: 'a' }, ['$.button[0].key']],
      [{ type: 'location_select', name: 'a', key: '' }, ['$.button[0].key']],
      [{ type: 'view', name: 'a' }, ['$.button[0].url']],
      [{ type: 'view', name: 'a', url: 'www.example.com' }, ['$.button[0].url']],
      [{ type: 'miniprogram', name: 'a', url: 'https://x' }, ['$.button[0].appid', '$.button[0].pagepath']],
      [{ type: 'media_id', name: 'a' }, ['$.button[0].media_id']],
      [{ type: 'view_limited', name: 'a', media_id: 'M' }, []],
      [{ type: 'article_id', name: 'a' }, ['$.button[0].article_id']],
      [{ type: 'nope', name: 'a' }, ['$.button[0].type']],
      [{ name: 'a' }, ['$.button[0].type']],
      [{ type: 'view', name: 'a', url: 'https://' }, ['$.button[0].url']],
      [{ type: 'click', name: 'a', key: 123 }, ['$.button[0].key']],
    ];
    for (const [button, expected] of cases)
      assert.deepEqual(paths({ button: [button] }), expected, JSON.stringify(button));
  });

  test('a field of the wrong type says so (not "missing"); a URL needs a host', () => {
    const [key] = validateMenu({ button: [{ type: 'click', name: 'a', key: 123 }] });
    assert.equal(key!.message, 'is 123; write it as a string ("123")');
    const [url] = validateMenu({ button: [{ type: 'view', name: 'a', url: 'https://' }] });
    assert.match(url!.message, /with a host/);
  });

  test('reports every problem at once, with paths', () => {
    const problems = validateMenu({
      button: [
        { type: 'click', name: '一二三四五六七' },
        {
          name: 'm',
          sub_button: [
            { type: 'view', name: 'v' },
            { type: 'click', name: 'c', key: 'k'.repeat(200) },
          ],
        },
      ],
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      ['$.button[0].name', '$.button[0].key', '$.button[1].sub_button[0].url', '$.button[1].sub_button[1].key'],
    );
    assert.ok(problems.every((p) => p.message.length > 10));
  });

  test('accepts what `menu get` prints: {menu: {button}} and empty sub_button on leaves', () => {
    const fromGet = { menu: { button: [{ type: 'click', name: 'a', key: 'k', sub_button: [] }] } };
    assert.deepEqual(validateMenu(fromGet), []);
    assert.deepEqual(paths({ menu: { button: [{ name: 'a', type: 'click' }] } }), ['$.menu.button[0].key']);
  });
});

describe('menu API against the fake', () => {
  let fake: FakeWechatApi;
  let api: WechatApi;
  useFakeWechatApi((f, a) => {
    fake = f;
    api = a;
  });

  test('get with no menu is undefined (46003)', async () => {
    assert.equal(await getMenu(api), undefined);
  });

  test('create sends the menu as UTF-8 JSON; get returns it; delete removes it', async () => {
    await createMenu(api, DOC_MENU);
    assert.deepEqual(fake.menu, DOC_MENU);
    const create = fake.calls.find((c) => c.path === '/cgi-bin/menu/create');
    assert.equal(create?.method, 'POST');
    assert.equal(create?.query.access_token, fake.currentToken());
    assert.deepEqual((await getMenu(api))?.menu, DOC_MENU, 'the empty sub_button arrays WeChat adds are dropped');
    await deleteMenu(api);
    assert.equal(fake.menu, undefined);
    assert.equal(await getMenu(api), undefined);
  });

  test('an invalid menu throws MenuValidationError and sends nothing', async () => {
    const n = fake.calls.length;
    const err = await createMenu(api, { button: [{ name: 'x', type: 'view' }] }).then(
      () => assert.fail('no error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof MenuValidationError);
    assert.deepEqual(
      err.problems.map((p) => p.path),
      ['$.button[0].url'],
    );
    assert.equal(fake.calls.length, n);
  });

  test('WeChat refusing a menu is a typed error with the errcode meaning', async () => {
    fake.failNext('/cgi-bin/menu/create', 40018);
    await assert.rejects(
      createMenu(api, DOC_MENU),
      (e: unknown) => e instanceof Error && 'errcode' in e && e.errcode === 40018 && /name size/.test(e.message),
    );
  });
});
