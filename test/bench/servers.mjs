// Bench targets run as child processes (like `wxbot serve`), so every target gets the same CPU budget.
//   node servers.mjs bare            a node:http server answering a fixed reply XML
//   node servers.mjs handler         createHandler(createDemoBot()) on node:http, no logging
//   node servers.mjs compute         the bare server plus BENCH_COMPUTE_US µs [10] of pure computation per
//                                    request (a loop calibrated at start): the calibration row, what a
//                                    server doing that much work of its own measures on this machine
//   node servers.mjs wechat          the `wechat` middleware (node-webot) on Express, echoing the text:
//                                    the reference the targets were set against (about 0.10
//                                    of bare in plaintext, 0.06 in safe mode)
// Prints the port on stdout once listening.
import { createServer } from 'node:http';

const kind = process.argv[2];
const token = process.env.WECHAT_TOKEN;
let listener;

const xml =
  '<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_123456789abc]]></FromUserName>' +
  '<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content></xml>';

const answer = (res) => {
  res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
};
/** Reads the body like any webhook must, then answers the fixed string (after `work`, if given). */
const fixedReply = (work) =>
  work
    ? (req, res) => {
        req.resume();
        req.on('end', () => {
          work();
          answer(res);
        });
      }
    : (req, res) => {
        req.resume();
        req.on('end', () => answer(res));
      };

// A loop of integer hashing (a few registers, no memory traffic), timed at start to take `us` µs.
let sink = 0;
function spin(n) {
  let h = sink | 1;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ i, 0x01000193);
  sink = h;
}
function calibrated(us) {
  spin(1e6); // optimised before it is timed
  const n = 2e7;
  const t0 = process.hrtime.bigint();
  spin(n);
  const perUs = n / (Number(process.hrtime.bigint() - t0) / 1000);
  const rounds = Math.max(1, Math.round(perUs * us));
  return () => spin(rounds);
}

if (kind === 'bare') {
  listener = fixedReply();
} else if (kind === 'compute') {
  listener = fixedReply(calibrated(Number(process.env.BENCH_COMPUTE_US || 10)));
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
  app.use(
    '/wechat',
    wechat(config, (req, res) => res.reply(req.weixin.Content)),
  );
  listener = app;
} else {
  throw new Error(`unknown bench target ${kind}`);
}

const server = createServer(listener);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
