// The provider-fault phase's traffic: text and recognised voice that the demo bot hands to the
// chat provider (a faulty fake Tuling, fault-provider.mjs). Each reply is judged against what the
// provider did with that very text: its answer when it answered in time, the fallback text when it
// hung, stalled or answered too late. The row of a request is named after that fate.
import { randomInt } from 'node:crypto';
import * as wx from '../../dist/index.js';
import { answerFor } from './fault-provider.mjs';
import { push } from './traffic.mjs';

const FATE_ROW = {
  ok: 'chat → provider answered',
  hang: 'chat → provider hangs',
  late: 'chat → provider answers after 10 s',
  stall: 'chat → provider stalls mid-body',
};

export function faultKinds(account, provider) {
  const expect = (said, req) => (j) => {
    const fate = provider.fateOf(said);
    if (fate === undefined) return `the provider was never asked ${JSON.stringify(said)}`;
    req.kind = `${FATE_ROW[fate]}${req.message.MsgType === 'voice' ? ' (voice)' : ''}`;
    const want = fate === 'ok' ? answerFor(said) : wx.DEFAULT_FALLBACK_TEXT;
    const got =
      j.ack !== null
        ? `ack ${JSON.stringify(j.ack)}`
        : j.reply?.MsgType === 'text'
          ? j.reply.Content
          : `a ${j.reply?.MsgType} reply`;
    return got === want
      ? undefined
      : `provider ${fate}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got).slice(0, 120)}`;
  };
  const build = (make) => (w) => {
    const said = `soak chat ${w.index} ${randomInt(1e12)} 你在吗`;
    const req = push(account, make(said, { from: w.users[randomInt(w.users.length)] }), undefined);
    req.expect = expect(said, req);
    return req;
  };
  return {
    'chat text': [4, build((said, s) => wx.textMessage(said, s))],
    'chat voice (Recognition)': [1, build((said, s) => wx.voiceMessage({ recognition: said }, s))],
  };
}
