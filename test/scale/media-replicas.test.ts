// Two `wxbot serve` replicas sharing a real Redis: the first replies with the same picture, sent to
// both at once, upload it once; both answer with that one media_id.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireRedis, startTestRedis, type TestRedis } from '../fakes/redis.js';
import { startFakeWechatApi, type FakeWechatApi } from '../fakes/wechat-api.js';
import { mediaFiles } from '../helpers/media-files.js';
import { push, textXml } from '../server/client.js';
import { startReplica, type Replica } from './helpers.js';

const TOKEN = 'mediatoken42';
const MEDIA_BOT = new URL('./fixtures/media-bot.mjs', import.meta.url).pathname;

describe('media uploads across replicas', requireRedis(), () => {
  let redis: TestRedis;
  let fake: FakeWechatApi;
  let dir: string;
  let a: Replica;
  let b: Replica;
  before(async () => {
    redis = await startTestRedis(9);
    // The AppID namespaces the Redis keys: a fresh one per run.
    fake = await startFakeWechatApi({ appId: redis.prefix, uploadDelayMs: 300 });
    dir = mkdtempSync(join(tmpdir(), 'wxbot-media-replicas-'));
    const cat = join(dir, 'cat.png');
    writeFileSync(cat, mediaFiles.png());
    const args = [MEDIA_BOT, '--redis', redis.url, '--token', TOKEN, '--no-history'];
    const env = {
      CAT_FILE: cat,
      WECHAT_APP_ID: fake.appId,
      WECHAT_APP_SECRET: fake.appSecret,
      WECHAT_API_BASE: fake.url,
    };
    [a, b] = await Promise.all([startReplica(args, env), startReplica(args, env)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await fake?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('two replicas with Redis upload the same picture once and share its media_id', async () => {
    const acct = { token: TOKEN };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => push((i % 2 ? a : b).url, textXml('猫'), 'plain', acct)),
    );
    const ids = new Set(
      results.map((r) => (r.reply?.MsgType === 'image' ? r.reply.Image.MediaId : `status ${r.status}: ${r.body}`)),
    );
    assert.equal(ids.size, 1, [...ids].join('\n'));
    assert.equal(fake.media.uploads.length, 1);
    assert.equal([...ids][0], fake.media.uploads[0]!.media_id);
    const said = [a, b].filter((r) => /uploaded .*cat\.png as image media/.test(r.stderr()));
    assert.equal(said.length, 1, 'one replica uploaded and said so');
    // Later replies on either replica reuse it.
    const later = await push(b.url, textXml('猫'), 'plain', acct);
    assert.equal(later.reply?.MsgType === 'image' && later.reply.Image.MediaId, [...ids][0]);
    assert.equal(fake.media.uploads.length, 1);
  });
});
