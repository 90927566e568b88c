import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express from 'express';
import Koa from 'koa';
import { createBot } from '../../src/bot/bot.js';
import { createHandler } from '../../src/server/handler.js';
import { toKoa } from '../../src/server/koa.js';
import { ACCOUNT, http, push, signedQuery, textXml, type Mode } from './client.js';

const bot = () =>
  createBot()
    .text('hi', () => 'hello from the bot')
    .fallback((ctx) => `echo ${ctx.text ?? ''}`);
const options = { token: ACCOUNT.token, encodingAESKey: ACCOUNT.aesKey, appId: ACCOUNT.appId };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

async function exercise(url: string): Promise<void> {
  const get = await http(`${url}?${signedQuery(ACCOUNT.token)}&echostr=12345`);
  assert.equal(get.status, 200);
  assert.equal(get.body, '12345');
  for (const mode of ['plain', 'compat', 'safe'] as Mode[]) {
    const r = await push(url, textXml('hi'), mode);
    assert.equal(r.status, 200, mode);
    assert.equal(r.reply?.MsgType === 'text' && r.reply.Content, 'hello from the bot', mode);
  }
  const bad = await http(`${url}?${signedQuery('nope')}`, { method: 'POST', body: textXml('x') });
  assert.equal(bad.status, 401);
}

test('plain node:http: the handler is a request listener', async (t) => {
  const server = createServer(createHandler(bot(), options));
  t.after(() => close(server));
  await exercise(`${await listen(server)}/anything`);
});

test('Express: app.post(path, handler), beside other routes', async (t) => {
  const app = express();
  app.get('/other', (_req, res) => void res.send('other route'));
  app.all('/wechat', createHandler(bot(), options));
  const server = createServer(app);
  t.after(() => close(server));
  const base = await listen(server);
  await exercise(`${base}/wechat`);
  assert.equal((await http(`${base}/other`)).body, 'other route');
});

test('Express: app.use(path, handler) (mounted, req.url stripped)', async (t) => {
  const app = express();
  app.use('/hooks/wechat', createHandler(bot(), options));
  const server = createServer(app);
  t.after(() => close(server));
  await exercise(`${await listen(server)}/hooks/wechat`);
});

test('Express: after a body parser that already read the body (express.text for every type)', async (t) => {
  const app = express();
  app.use(express.text({ type: '*/*' }));
  app.post('/wechat', createHandler(bot(), options));
  app.get('/wechat', createHandler(bot(), options));
  const server = createServer(app);
  t.after(() => close(server));
  await exercise(`${await listen(server)}/wechat`);
});

test('Express: after express.raw (Buffer body)', async (t) => {
  const app = express();
  app.use(express.raw({ type: '*/*' }));
  app.all('/wechat', createHandler(bot(), options));
  const server = createServer(app);
  t.after(() => close(server));
  await exercise(`${await listen(server)}/wechat`);
});

test('Express: a JSON/urlencoded parser that did not match text/xml leaves the body to the handler', async (t) => {
  const app = express();
  app.use(express.json(), express.urlencoded({ extended: false }));
  app.all('/wechat', createHandler(bot(), options));
  const server = createServer(app);
  t.after(() => close(server));
  await exercise(`${await listen(server)}/wechat`);
});

test('Koa: app.use(toKoa(handler, { path })) beside other middleware', async (t) => {
  const app = new Koa();
  app.use(toKoa(createHandler(bot(), options), { path: '/wechat' }));
  app.use((ctx) => {
    ctx.body = 'koa route';
  });
  const server = createServer(app.callback());
  t.after(() => close(server));
  const base = await listen(server);
  await exercise(`${base}/wechat`);
  assert.equal((await http(`${base}/elsewhere`)).body, 'koa route');
});

test('Koa: a raw body read earlier (ctx.request.rawBody, as koa-bodyparser leaves it) is used', async (t) => {
  const app = new Koa();
  app.use(async (ctx, next) => {
    // What koa-bodyparser does for text bodies: consume the stream, keep rawBody.
    const chunks: Buffer[] = [];
    for await (const c of ctx.req) chunks.push(c as Buffer);
    (ctx.request as unknown as { rawBody: string }).rawBody = Buffer.concat(chunks).toString('utf8');
    await next();
  });
  app.use(toKoa(createHandler(bot(), options)));
  const server = createServer(app.callback());
  t.after(() => close(server));
  await exercise(`${await listen(server)}/wechat`);
});

test('Express: a parser that turned the body into an object gets a 400 that says how to mount the handler', async (t) => {
  const app = express();
  app.use((req, _res, next) => {
    // What an XML body parser would leave: the stream consumed, an object in req.body.
    req.resume();
    req.on('end', () => {
      (req as unknown as { body: unknown }).body = { xml: { ToUserName: 'gh' } };
      next();
    });
  });
  app.all('/wechat', createHandler(bot(), options));
  const server = createServer(app);
  t.after(() => close(server));
  const r = await http(`${await listen(server)}/wechat?${signedQuery(ACCOUNT.token)}`, {
    method: 'POST',
    body: textXml('hi'),
  });
  assert.equal(r.status, 400);
  assert.match(r.body, /mount the WeChat handler before body parsers/);
});
