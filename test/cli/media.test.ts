// `wxbot media`, `wxbot qrcode` and `wxbot template` as child processes against the fake WeChat API:
// --json output, exit codes (0 ok, 1 refused or invalid, 2 usage or no account, 3 network).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { freePort } from '../fakes/redis.js';
import { startFakeWechatApi, type FakeWechatApi } from '../fakes/wechat-api.js';
import { mediaFiles } from '../helpers/media-files.js';
import { runChild, type Run } from '../helpers/run-child.js';

const BIN = new URL('../../bin/wxbot.js', import.meta.url).pathname;
const OPENID = 'oUserOpenId0000000000000000';

let fake: FakeWechatApi;
let dir: string;
before(async () => {
  fake = await startFakeWechatApi();
  dir = mkdtempSync(join(tmpdir(), 'wxbot-media-cli-'));
  writeFileSync(join(dir, 'cat.png'), mediaFiles.png());
  writeFileSync(join(dir, 'hello.amr'), mediaFiles.amr());
  writeFileSync(join(dir, 'clip.mp4'), mediaFiles.mp4());
  writeFileSync(join(dir, 'thumb.jpg'), mediaFiles.jpeg());
  writeFileSync(join(dir, 'huge.png'), mediaFiles.png(10 * 1024 * 1024 + 1));
  writeFileSync(join(dir, 'notes.png'), mediaFiles.text());
  writeFileSync(join(dir, 'tiny.mp3'), 'hello');
});
after(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

function wxbot(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WECHAT_')));
  const account = {
    WECHAT_APP_ID: fake.appId,
    WECHAT_APP_SECRET: fake.appSecret,
    WECHAT_API_BASE: fake.url,
    WECHAT_MP_BASE: fake.url,
  };
  return runChild(process.execPath, [BIN, ...args], { cwd: dir, env: { ...base, NO_COLOR: '1', ...account, ...env } });
}

const json = (r: Run) => JSON.parse(r.stdout) as Record<string, unknown>;

describe('wxbot media', () => {
  const byId = (id: string) => fake.media.uploads.find((u) => u.media_id === id);

  test('upload of each type prints the media_id; --json gives it with its expiry', async () => {
    const cases = [
      ['cat.png', 'image'],
      ['hello.amr', 'voice'],
      ['clip.mp4', 'video'],
    ] as const;
    const runs = await Promise.all(cases.map(([file]) => wxbot(['media', 'upload', file])));
    cases.forEach(([file, type], i) => {
      const r = runs[i]!;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(byId(r.stdout.trim())?.type, type);
      assert.equal(byId(r.stdout.trim())?.filename, file);
      assert.match(r.stderr, new RegExp(`uploaded ${file.replace('.', '\\.')} as temporary ${type} media`));
    });
    const t = await wxbot(['media', 'upload', 'thumb.jpg', '--type', 'thumb', '--json']);
    assert.equal(t.code, 0, t.stderr);
    const out = json(t);
    assert.equal(out.ok, true);
    assert.equal(out.type, 'thumb');
    assert.equal(byId(String(out.media_id))?.type, 'thumb');
    assert.ok(Date.parse(String(out.expires_at)) > Date.now() + 2 * 86_400_000);
  });

  describe('permanent material', () => {
    let id = '';
    test('upload: a picture, a video with its title and introduction (required)', async () => {
      const [img, vid, noTitle] = await Promise.all([
        wxbot(['media', 'upload', 'cat.png', '--permanent', '--json']),
        wxbot(['media', 'upload', 'clip.mp4', '--permanent', '--title', '介绍', '--introduction', '我们的视频']),
        wxbot(['media', 'upload', 'clip.mp4', '--permanent']),
      ]);
      assert.equal(img.code, 0, img.stderr);
      id = String(json(img).media_id);
      assert.equal(byId(id)?.permanent, true);
      assert.equal(vid.code, 0, vid.stderr);
      assert.equal(byId(vid.stdout.trim())?.title, '介绍');
      assert.equal(byId(vid.stdout.trim())?.introduction, '我们的视频');
      assert.equal(noTitle.code, 2);
      assert.match(noTitle.stderr, /needs --title and --introduction/);
    });

    test('list, with --type, --offset and --count (1 to 20)', async () => {
      const [list, paged, beyond, text] = await Promise.all([
        wxbot(['media', 'list', '--type', 'image', '--json']),
        wxbot(['media', 'list', '--type', 'video', '--offset', '0', '--count', '1', '--json']),
        wxbot(['media', 'list', '--count', '21']),
        wxbot(['media', 'list']),
      ]);
      assert.equal(list.code, 0, list.stderr);
      assert.ok((json(list).item as { media_id: string }[]).some((i) => i.media_id === id));
      assert.equal((json(paged).item as unknown[]).length, 1);
      assert.equal(beyond.code, 2);
      assert.match(text.stdout, new RegExp(`^${id}\\tcat\\.png\\t`, 'm'));
    });

    test('get saves the file; delete removes it, twice is 40007 with its meaning', async () => {
      const got = await wxbot(['media', 'get', id, '--permanent', '--out', 'copy.png', '--json']);
      assert.equal(got.code, 0, got.stderr);
      assert.deepEqual(readFileSync(join(dir, 'copy.png')), readFileSync(join(dir, 'cat.png')));
      assert.equal(json(got).content_type, 'image/png');
      const del = await wxbot(['media', 'delete', id, '--json']);
      assert.deepEqual(json(del), { ok: true, media_id: id, deleted: true });
      const again = await wxbot(['media', 'delete', id]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /errcode 40007 \(invalid media_id/);
    });
  });

  test('get of temporary media saves it, or prints a video URL', async () => {
    const picture = async () => {
      const up = await wxbot(['media', 'upload', 'cat.png']);
      return wxbot(['media', 'get', up.stdout.trim(), '--out', 'tmp.png']);
    };
    const video = async () => {
      const up = await wxbot(['media', 'upload', 'clip.mp4']);
      return wxbot(['media', 'get', up.stdout.trim()]);
    };
    const [got, url] = await Promise.all([picture(), video()]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /saved tmp\.png \(image\/png, \d+ bytes\)/);
    assert.match(url.stdout, /^http:\/\/\S+\.mp4\n$/);
  });

  test('an oversize or wrong-format file is refused (exit 1) before any request', async () => {
    const calls = fake.calls.length;
    const [big, wrong, thumb, tiny] = await Promise.all([
      wxbot(['media', 'upload', 'huge.png', '--json']),
      wxbot(['media', 'upload', 'notes.png']),
      wxbot(['media', 'upload', 'cat.png', '--type', 'thumb']),
      wxbot(['media', 'upload', 'tiny.mp3']),
    ]);
    // Bytes in no known format: the name says which media the user meant.
    assert.equal(tiny.code, 1);
    assert.match(tiny.stderr, /tiny\.mp3 is empty or too small \(5 bytes\) to be voice media/);
    assert.equal(big.code, 1);
    assert.match(big.stderr, /huge\.png is 10\.0 MB; image media must be bmp\/png\/jpeg\/jpg\/gif, at most 10 MB/);
    assert.equal((json(big).error as { exitCode: number }).exitCode, 1);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /notes\.png is in no format WeChat takes/);
    assert.equal(thumb.code, 1);
    assert.match(thumb.stderr, /cat\.png is PNG; thumb media must be jpg, at most 64 KB/);
    assert.equal(fake.calls.length, calls, 'nothing reached the API');
  });

  test('WeChat refusing says the errcode and its meaning (exit 1); usage, account and network errors', async () => {
    fake.failNext('/cgi-bin/media/upload', 45009);
    const refused = await wxbot(['media', 'upload', 'cat.png', '--json']);
    assert.equal(refused.code, 1);
    assert.match(
      String((json(refused).error as { message: string }).message),
      /errcode 45009 \(daily API quota reached\)/,
    );
    const port = await freePort();
    const [badType, noAccount, down] = await Promise.all([
      wxbot(['media', 'upload', 'cat.png', '--type', 'sticker']),
      wxbot(['media', 'upload', 'cat.png'], { WECHAT_APP_SECRET: '' }),
      wxbot(['media', 'upload', 'cat.png'], { WECHAT_API_BASE: `http://127.0.0.1:${port}` }),
    ]);
    assert.equal(badType.code, 2);
    assert.equal(noAccount.code, 2);
    assert.match(noAccount.stderr, /set WECHAT_APP_ID and WECHAT_APP_SECRET/);
    assert.ok(!noAccount.stderr.includes(fake.appSecret));
    assert.equal(down.code, 3);
    assert.match(down.stderr, /no answer from/);
  });
});

/** Width and height from a PNG's IHDR, after checking its signature, chunk CRCs and pixel data. */
function readPng(b: Buffer): { width: number; height: number } {
  assert.deepEqual(b.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  assert.equal(b.subarray(12, 16).toString('latin1'), 'IHDR');
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  let at = 8;
  const idat: Buffer[] = [];
  for (;;) {
    const len = b.readUInt32BE(at);
    const type = b.subarray(at + 4, at + 8).toString('latin1');
    if (type === 'IDAT') idat.push(b.subarray(at + 8, at + 8 + len));
    at += 12 + len;
    if (type === 'IEND') break;
  }
  assert.equal(inflateSync(Buffer.concat(idat)).length, height * (width + 1));
  return { width, height };
}

describe('wxbot qrcode', () => {
  test('--scene 42 --out qr.png saves a real PNG and prints ticket, URL and expiry', async () => {
    const r = await wxbot(['qrcode', '--scene', '42', '--out', 'qr.png']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ticket {3}gQ/m);
    assert.match(r.stdout, /^url {6}http:\/\/weixin\.qq\.com\/q\//m);
    assert.match(r.stdout, /^scene {4}scene_id 42 \(EventKey qrscene_42 on subscribe, 42 on SCAN\)/m);
    assert.match(r.stdout, /^saved {4}qr\.png \(image\/png, \d+ bytes\)/m);
    const png = readPng(readFileSync(join(dir, 'qr.png')));
    assert.ok(png.width > 0 && png.height > 0);
    const body = [...fake.media.qrcodes.values()].at(-1)!;
    assert.deepEqual(body, {
      expire_seconds: 2_592_000,
      action_name: 'QR_SCENE',
      action_info: { scene: { scene_id: 42 } },
    });
  });

  test('a picture that cannot be fetched or written still prints the created code, then fails', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const [down, downJson, unwritable] = await Promise.all([
      wxbot(['qrcode', '--scene', '43', '--out', 'qr43.png', '--image-base', closed]),
      wxbot(['qrcode', '--scene', '44', '--out', 'qr44.png', '--image-base', closed, '--json']),
      wxbot(['qrcode', '--scene', '45', '--out', join(dir, 'no-such-dir', 'qr.png')]),
    ]);
    assert.equal(down.code, 3, down.stderr);
    assert.match(down.stdout, /^ticket {3}gQ/m);
    assert.match(
      down.stderr,
      /the QR code was created \(ticket and URL above\) but its picture was not saved to qr43\.png/,
    );
    assert.equal(downJson.code, 3);
    const doc = json(downJson);
    assert.equal(doc.ok, false);
    assert.match(String(doc.ticket), /^gQ/);
    assert.equal((doc.error as { exitCode: number }).exitCode, 3);
    assert.equal(downJson.stdout.trim().split('\n').length, 1, 'one JSON document');
    assert.equal(unwritable.code, 1, unwritable.stderr);
    assert.match(unwritable.stdout, /^url {6}http:/m);
  });

  test('--json, scene_str, --expire, --permanent', async () => {
    const r = await wxbot(['qrcode', '--scene', 'spring-promo', '--expire', '7d', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = json(r);
    assert.equal(out.scene, 'spring-promo');
    assert.equal(out.expire_seconds, 7 * 86_400);
    assert.match(String(out.image_url), /\/cgi-bin\/showqrcode\?ticket=gQ/);
    assert.equal([...fake.media.qrcodes.values()].at(-1)!.action_name, 'QR_STR_SCENE');
    const zero = await wxbot(['qrcode', '--scene', '007', '--json']);
    assert.equal(json(zero).scene, '007', 'a leading zero keeps the scene a string');
    assert.equal([...fake.media.qrcodes.values()].at(-1)!.action_name, 'QR_STR_SCENE');
    const p = await wxbot(['qrcode', '--scene', '7', '--permanent', '--json']);
    assert.equal(json(p).permanent, true);
    assert.equal([...fake.media.qrcodes.values()].at(-1)!.action_name, 'QR_LIMIT_SCENE');
  });

  test('an impossible scene or expiry is a usage error before any request', async () => {
    const calls = fake.calls.length;
    const cases = [
      ['--scene', '100001', '--permanent'],
      ['--scene', 'x'.repeat(65)],
      ['--scene', '1', '--expire', '31d'],
      ['--scene', '1', '--expire', 'soon'],
      ['--scene', '1', '--expire', '1d', '--permanent'],
    ];
    const runs = await Promise.all(cases.map((args) => wxbot(['qrcode', ...args, '--json'])));
    runs.forEach((r, i) => {
      assert.equal(r.code, 2, cases[i]!.join(' '));
      assert.equal(json(r).ok, false);
    });
    assert.equal(fake.calls.length, calls);
  });
});

describe('wxbot template', () => {
  test('list shows the templates and their fields', async () => {
    const r = await wxbot(['template', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const t = (json(r).templates as { template_id: string; fields: string[] }[])[0]!;
    assert.equal(t.template_id, fake.media.templates[0]!.template_id);
    assert.deepEqual(t.fields, ['first', 'keyword1', 'keyword2', 'remark']);
  });

  test('send with the fields of the template', async () => {
    const id = fake.media.templates[0]!.template_id;
    const r = await wxbot([
      'template',
      'send',
      '--to',
      OPENID,
      '--template',
      id,
      '--data',
      'first=您的订单已发货',
      '--data',
      'keyword1=123',
      '--data',
      'keyword2=顺丰',
      '--data',
      'remark=a=b',
      '--color',
      'first=#173177',
      '--url',
      'https://example.com/o/123',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Number(json(r).msgid) > 0);
    const sent = fake.media.templateMessages.at(-1)!;
    assert.deepEqual(sent.data, {
      first: { value: '您的订单已发货', color: '#173177' },
      keyword1: { value: '123' },
      keyword2: { value: '顺丰' },
      remark: { value: 'a=b' },
    });
    assert.equal(sent.url, 'https://example.com/o/123');
    const mini = await wxbot([
      'template',
      'send',
      '--to',
      OPENID,
      '--template',
      fake.media.templates[1]!.template_id,
      '--data',
      'first=预约成功',
      '--data',
      'time=明天10点',
      '--data',
      'remark=请准时',
      '--miniprogram',
      'wx286b93c14bbf93aa:pages/order/index',
    ]);
    assert.equal(mini.code, 0, mini.stderr);
    assert.match(mini.stdout, /^sent; msgid \d+/);
    assert.deepEqual(fake.media.templateMessages.at(-1)!.miniprogram, {
      appid: 'wx286b93c14bbf93aa',
      pagepath: 'pages/order/index',
    });
  });

  test('a --color for a field not sent, or a malformed --miniprogram AppID: exit 2, nothing sent', async () => {
    const id = fake.media.templates[0]!.template_id;
    const n = fake.media.templateMessages.length;
    const send = (...more: string[]) =>
      wxbot(['template', 'send', '--to', OPENID, '--template', id, '--data', 'first=x', ...more]);
    const [color, mini] = await Promise.all([
      send('--color', 'nope=#FF0000'),
      send('--miniprogram', 'notanappid:pages/index'),
    ]);
    assert.equal(color.code, 2, color.stderr);
    assert.match(color.stderr, /--color nope: no --data gives that field/);
    assert.equal(mini.code, 2, mini.stderr);
    assert.match(mini.stderr, /--miniprogram notanappid:pages\/index: write the mini program's AppID/);
    assert.equal(fake.media.templateMessages.length, n);
  });

  test('fields that do not fit the template are refused with what is wrong; nothing is sent', async () => {
    const id = fake.media.templates[0]!.template_id;
    const n = fake.media.templateMessages.length;
    const [r, unknown, raw, bad] = await Promise.all([
      wxbot([
        'template',
        'send',
        '--to',
        OPENID,
        '--template',
        id,
        '--data',
        'first=x',
        '--data',
        'colour=red',
        '--json',
      ]),
      wxbot(['template', 'send', '--to', OPENID, '--template', 'nope', '--data', 'a=b']),
      // Unchecked, WeChat itself refuses: 40037 with its meaning.
      wxbot(['template', 'send', '--to', OPENID, '--template', 'nope', '--data', 'a=b', '--no-check']),
      wxbot(['template', 'send', '--to', OPENID, '--template', id, '--data', 'novalue']),
    ]);
    assert.equal(r.code, 1);
    const problems = json(r).problems as { field: string }[];
    assert.deepEqual(problems.map((p) => p.field).sort(), ['colour', 'keyword1', 'keyword2', 'remark']);
    assert.match(r.stderr, /keyword1: missing/);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /template nope is not one of this account's templates/);
    assert.equal(raw.code, 1);
    assert.match(raw.stderr, /errcode 40037 \(invalid template_id/);
    assert.equal(fake.media.templateMessages.length, n);
    assert.equal(bad.code, 2);
  });
});
