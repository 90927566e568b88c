import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addMaterial,
  checkMedia,
  countMaterials,
  deleteMaterial,
  getMaterial,
  getTempMedia,
  listMaterials,
  MediaValidationError,
  sniffFormat,
  uploadTempMedia,
  WechatApiError,
  type WechatApi,
} from '../../src/wechat-api/index.js';
import { parseMultipart } from '../fakes/wechat-media.js';
import { useFakeWechatApi, type FakeWechatApi } from '../fakes/wechat-api.js';
import { mediaFiles } from '../helpers/media-files.js';

let fake: FakeWechatApi;
let api: WechatApi;
useFakeWechatApi((f, a) => {
  fake = f;
  api = a;
});

const uploadsNow = () =>
  fake.calls.filter((c) => c.path === '/cgi-bin/media/upload' || c.path === '/cgi-bin/material/add_material').length;

describe('limits, before any request', () => {
  test('formats are read from the bytes', () => {
    assert.equal(sniffFormat(mediaFiles.png()), 'png');
    assert.equal(sniffFormat(mediaFiles.jpeg()), 'jpeg');
    assert.equal(sniffFormat(mediaFiles.gif()), 'gif');
    assert.equal(sniffFormat(mediaFiles.amr()), 'amr');
    assert.equal(sniffFormat(mediaFiles.mp3()), 'mp3');
    assert.equal(sniffFormat(mediaFiles.mp4()), 'mp4');
    assert.equal(sniffFormat(mediaFiles.text()), undefined);
  });

  test('each type takes its formats up to its size, and says what would do', () => {
    assert.equal(checkMedia('image', mediaFiles.png()), 'png');
    assert.equal(checkMedia('thumb', mediaFiles.jpeg(64 * 1024)), 'jpeg');
    assert.throws(
      () => checkMedia('thumb', mediaFiles.jpeg(64 * 1024 + 1), 'big.jpg'),
      /big\.jpg is 64\.0 KB; thumb media must be jpg, at most 64 KB/,
    );
    assert.throws(() => checkMedia('thumb', mediaFiles.png(), 'a.png'), /a\.png is PNG; thumb media must be jpg/);
    assert.throws(
      () => checkMedia('voice', mediaFiles.mp3(2 * 1024 * 1024 + 1)),
      /2\.0 MB; voice media must be amr\/mp3, at most 2 MB/,
    );
    assert.throws(() => checkMedia('video', mediaFiles.png()), /is PNG; video media must be mp4/);
    assert.throws(() => checkMedia('image', mediaFiles.text(), 'notes.png'), /notes\.png is in no format WeChat takes/);
    assert.throws(() => checkMedia('image', Buffer.from('GIF8')), /too small/);
  });

  test('an oversize picture or a wrong format is refused without a request, not even for a token', async () => {
    const before = fake.calls.length;
    await assert.rejects(
      uploadTempMedia(api, 'image', { bytes: mediaFiles.png(10 * 1024 * 1024 + 1), filename: 'huge.png' }),
      (err) => {
        assert.ok(err instanceof MediaValidationError);
        assert.equal(err.code, 'MEDIA_INVALID');
        assert.match(err.message, /huge\.png is 10\.0 MB; image media must be bmp\/png\/jpeg\/jpg\/gif, at most 10 MB/);
        return true;
      },
    );
    await assert.rejects(
      uploadTempMedia(api, 'voice', { bytes: mediaFiles.mp4(), filename: 'clip.mp3' }),
      /clip\.mp3 is MP4; voice media must be amr\/mp3/,
    );
    await assert.rejects(
      addMaterial(api, 'image', { bytes: mediaFiles.text(), filename: 'x.jpg' }),
      MediaValidationError,
    );
    assert.equal(fake.calls.length, before);
  });
});

describe('temporary media', () => {
  test('each type uploads as multipart field "media" and comes back with a media_id', async () => {
    const cases = [
      ['image', mediaFiles.png(), 'cat.png'],
      ['voice', mediaFiles.amr(), 'hello.amr'],
      ['video', mediaFiles.mp4(), 'clip.mp4'],
      ['thumb', mediaFiles.jpeg(), 'thumb.jpg'],
    ] as const;
    for (const [type, bytes, filename] of cases) {
      const up = await uploadTempMedia(api, type, { bytes, filename });
      assert.equal(up.type, type);
      assert.ok(up.media_id.length > 20, type);
      assert.ok(up.created_at > 1_700_000_000);
      const stored = fake.media.uploads.at(-1)!;
      assert.equal(stored.media_id, up.media_id);
      assert.equal(stored.type, type);
      assert.equal(stored.filename, filename);
      assert.deepEqual(stored.bytes, Buffer.from(bytes));
    }
  });

  test('the file name gets the extension of its real format', async () => {
    await uploadTempMedia(api, 'image', { bytes: mediaFiles.png(), filename: 'photo.jpg' });
    assert.equal(fake.media.uploads.at(-1)!.filename, 'photo.png');
    assert.equal(fake.media.uploads.at(-1)!.contentType, 'image/png');
  });

  test('download gives the same bytes back; an unknown or expired id is 40007 with its meaning', async () => {
    const png = mediaFiles.png();
    const up = await uploadTempMedia(api, 'image', { bytes: png, filename: 'cat.png' });
    const got = await getTempMedia(api, up.media_id);
    assert.equal(got.kind, 'file');
    if (got.kind === 'file') {
      assert.deepEqual(got.bytes, png);
      assert.equal(got.contentType, 'image/png');
      assert.equal(got.filename, 'cat.png');
    }
    fake.media.expire(up.media_id);
    await assert.rejects(getTempMedia(api, up.media_id), (err) => {
      assert.ok(err instanceof WechatApiError);
      assert.equal(err.errcode, 40007);
      assert.match(
        err.message,
        /errcode 40007 \(invalid media_id: unknown, deleted, or temporary media older than 3 days\)/,
      );
      return true;
    });
    const video = await uploadTempMedia(api, 'video', { bytes: mediaFiles.mp4(), filename: 'v.mp4' });
    const v = await getTempMedia(api, video.media_id);
    assert.equal(v.kind, 'video');
  });

  test('WeChat error codes come back typed with their meaning', async () => {
    for (const [errcode, meaning] of [
      [40004, /invalid media type/],
      [40005, /invalid file type/],
      [40006, /invalid media size/],
      [41005, /media data missing/],
      [45001, /multimedia file size out of limit/],
      [45009, /daily API quota reached/],
    ] as const) {
      fake.failNext('/cgi-bin/media/upload', errcode);
      await assert.rejects(uploadTempMedia(api, 'image', { bytes: mediaFiles.png(), filename: 'a.png' }), (err) => {
        assert.ok(err instanceof WechatApiError);
        assert.equal(err.code, 'WECHAT_ERRCODE');
        assert.equal(err.errcode, errcode);
        assert.match(err.meaning ?? '', meaning);
        assert.match(err.message, new RegExp(`/cgi-bin/media/upload failed: errcode ${errcode} \\(`));
        return true;
      });
    }
  });

  test('a rejected token is refreshed once and the upload retried', async () => {
    fake.rotateElsewhere();
    const n = uploadsNow();
    const up = await uploadTempMedia(api, 'image', { bytes: mediaFiles.png(), filename: 'a.png' });
    assert.ok(up.media_id);
    assert.equal(uploadsNow() - n, 2, 'the first attempt was refused (40001), the second one stored');
  });
});

describe('the fake checks uploads as WeChat documents them', () => {
  const post = async (path: string, form: FormData) => {
    const token = fake.currentToken() ?? (await api.tokens.getToken());
    const res = await fetch(`${fake.url}${path}&access_token=${token}`, { method: 'POST', body: form });
    return (await res.json()) as { errcode?: number };
  };

  test('a file under another field name is 41005, a wrong extension 40005, an unknown type 40004', async () => {
    const wrongField = new FormData();
    wrongField.append('file', new Blob([mediaFiles.png()]), 'a.png');
    assert.equal((await post('/cgi-bin/media/upload?type=image', wrongField)).errcode, 41005);
    const wrongExt = new FormData();
    wrongExt.append('media', new Blob([mediaFiles.png()]), 'a.txt');
    assert.equal((await post('/cgi-bin/media/upload?type=image', wrongExt)).errcode, 40005);
    const ok = new FormData();
    ok.append('media', new Blob([mediaFiles.png()]), 'a.png');
    assert.equal((await post('/cgi-bin/media/upload?type=sticker', ok)).errcode, 40004);
    assert.equal((await post('/cgi-bin/media/upload?type=image', ok)).errcode, undefined);
  });

  test('the multipart parser reads what undici sends', async () => {
    const { FormData, Response } = await import('undici');
    const form = new FormData();
    form.append('media', new Blob([Buffer.from('abc')], { type: 'image/png' }), 'x.png');
    form.append('description', '{"title":"t"}');
    const r = new Response(form);
    const parsed = await parseMultipart(r.headers.get('content-type')!, Buffer.from(await r.arrayBuffer()));
    assert.equal(parsed.files[0]?.field, 'media');
    assert.equal(parsed.files[0]?.filename, 'x.png');
    assert.equal(parsed.fields.description, '{"title":"t"}');
  });
});

describe('permanent material', () => {
  test('add, count, list, get and delete', async () => {
    const png = mediaFiles.png();
    const image = await addMaterial(api, 'image', { bytes: png, filename: 'logo.png' });
    assert.match(image.url ?? '', /^http/);
    const video = await addMaterial(
      api,
      'video',
      { bytes: mediaFiles.mp4(), filename: 'intro.mp4' },
      { title: '介绍', introduction: '我们的视频' },
    );
    assert.equal(fake.media.uploads.at(-1)!.title, '介绍');
    assert.equal(fake.media.uploads.at(-1)!.introduction, '我们的视频');
    const count = await countMaterials(api);
    assert.ok(count.image_count >= 1 && count.video_count >= 1);
    const page = await listMaterials(api, 'image', 0, 20);
    assert.ok(page.item.some((i) => i.media_id === image.media_id));
    const got = await getMaterial(api, image.media_id);
    assert.ok(got.kind === 'file' && got.bytes.equals(png));
    const v = await getMaterial(api, video.media_id);
    assert.ok(v.kind === 'video' && v.title === '介绍');
    await deleteMaterial(api, image.media_id);
    await assert.rejects(getMaterial(api, image.media_id), /errcode 40007/);
    await assert.rejects(deleteMaterial(api, image.media_id), /errcode 40007/);
  });

  test('a permanent video needs its title and introduction; list pages hold 1 to 20', async () => {
    const before = fake.calls.length;
    await assert.rejects(addMaterial(api, 'video', { bytes: mediaFiles.mp4() }), /needs a title and an introduction/);
    await assert.rejects(listMaterials(api, 'image', 0, 21), /1 to 20/);
    assert.equal(fake.calls.length, before);
  });
});
