// Bench targets run as child processes (like `wxbot serve`), so every target gets the same CPU budget.
//   node servers.mjs bare            a node:http server answering a fixed reply XML
//   node servers.mjs handler         createHandler(createDemoBot()) on node:http, no logging
//   node servers.mjs wechat          the `wechat` middleware (node-webot) on Express, echoing the text:
//                                    the reference the targets were set against (about 0.10
//                                    of bare in plaintext, 0.06 in safe mode)
// Prints the port on stdout once listening.
import { createServer } from 'node:http';

const kind = process.argv[2];
const token = process.env.WECHAT_TOKEN;
let listener;

if (kind === 'bare') {
  const xml = '<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_123456789abc]]></FromUserName>' +
    '<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content></xml>';
  listener = (req, res) => {
    // Read the body like any webhook must, then answer the fixed string.
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8', 'content-length': Buffer.byteLength(xml) });
      res.end(xml);
    });
  };
} else if (kind === 'handler') {
  const { createHandler, createDemoBot } = await import('../../dist/index.js');
  listener = createHandler(createDemoBot(), {
    token,
    encodingAESKey: process.env.WECHAT_AES_KEY,
    appId: process.env.WECHAT_APP_ID,
  });
} else if (kind === 'wechat') {
  const { default: express } = await import('express');
  const { default: wechat } = await import('wechat');
  const app = express();
  const config = { token, appid: process.env.WECHAT_APP_ID, encodingAESKey: process.env.WECHAT_AES_KEY };
  app.use('/wechat', wechat(config, (req, res) => res.reply(req.weixin.Content)));
  listener = app;
} else {
  throw new Error(`unknown bench target ${kind}`);
}

const server = createServer(listener);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
