// URL sources of media replies: redirects are followed (a few, http and https only) and the
// handler's abort signal stops a download that would outlive the reply.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createBot } from '../../src/bot/index.js';
import { textMessage } from '../../src/simulate/index.js';
import { createMediaReplies, isLocalMediaId } from '../../src/wechat-api/index.js';
import { mediaFiles } from '../helpers/media-files.js';

const png = mediaFiles.png();
let server: Server;
let base: string;
const held = new Set<ServerResponse>();

before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    const hop = /^\/hop\/(\d+)$/.exec(path);
    if (path === '/cat.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else if (path === '/redirect.png') res.writeHead(302, { location: `${base}/cat.png` }).end();
    else if (path === '/relative.png') res.writeHead(301, { location: '/redirect.png' }).end();
    else if (path === '/gone.png') res.writeHead(302, { location: '/nothing-here.png' }).end();
    else if (path === '/ftp.png') res.writeHead(302, { location: 'ftp://127.0.0.1/cat.png' }).end();
    else if (hop) res.writeHead(307, { location: `/hop/${Number(hop[1]) + 1}` }).end();
    else if (path === '/never')
      held.add(res); // headers never come
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const res of held) res.destroy();
  await new Promise((r) => server.close(r));
});

test('a URL answering with redirects (absolute or relative) gives the picture at the end of them', async () => {
  const media = createMediaReplies();
  const direct = await media.mediaIdFor('image', { url: `${base}/cat.png` });
  assert.ok(isLocalMediaId(direct));
  assert.equal(await media.mediaIdFor('image', { url: `${base}/redirect.png` }), direct);
  assert.equal(await media.mediaIdFor('image', { url: `${base}/relative.png` }), direct);
});

test('redirects are bounded, http(s) only, and a failure at the end says where it went', async () => {
  const media = createMediaReplies();
  await assert.rejects(
    media.mediaIdFor('image', { url: `${base}/hop/0` }),
    /^WechatApiError: cannot download http:\/\/127\.0\.0\.1:\d+\/hop\/0: more than 5 redirects; nothing was sent to WeChat$/,
  );
  await assert.rejects(
    media.mediaIdFor('image', { url: `${base}/ftp.png` }),
    /redirected to ftp: \(only http and https/,
  );
  await assert.rejects(
    media.mediaIdFor('image', { url: `${base}/gone.png` }),
    /gone\.png: HTTP 404 \(redirected to http:\/\/127\.0\.0\.1:\d+\/nothing-here\.png\)/,
  );
});

test('the abort signal stops a download that gets no answer, long before its own timeout', async () => {
  const media = createMediaReplies();
  const start = Date.now();
  await assert.rejects(
    media.mediaIdFor('image', { url: `${base}/never` }, { signal: AbortSignal.timeout(300) }),
    /cannot download .*\/never: stopped because ctx\.signal was aborted/,
  );
  assert.ok(Date.now() - start < 3000, `stopped after ${Date.now() - start} ms (the fetch timeout is 10 s)`);
});

test("ctx.replyImage({ url }) passes the handler's signal to the download", async () => {
  const bot = createBot().text('图', (ctx) => ctx.replyImage({ url: `${base}/never` }));
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const start = Date.now();
  await assert.rejects(
    bot.handle(textMessage('图'), { media: createMediaReplies(), signal: ac.signal }),
    /stopped because ctx\.signal was aborted/,
  );
  assert.ok(Date.now() - start < 3000, `stopped after ${Date.now() - start} ms`);
});
