import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TunnelError } from '../../src/tunnel/errors.js';
import { explainNgrokError, scrubAuthtoken } from '../../src/tunnel/ngrok-errors.js';

// Messages shaped like the SDK's: the native layer ends them with "error_code: ERR_NGROK_N" and the JS wrapper copies it to errorCode.
function sdkError(message: string, code?: string): Error {
  const e = new Error(code ? `${message}\n\nerror_code: ${code}` : message);
  return code ? Object.assign(e, { errorCode: code }) : e;
}

const cases: [string, Error, string, RegExp][] = [
  [
    'invalid token',
    sdkError(
      'failed to connect session: The authtoken you specified is properly formed, but it is invalid.',
      'ERR_NGROK_107',
    ),
    'AUTH_REJECTED',
    /dashboard\.ngrok\.com\/get-started\/your-authtoken/,
  ],
  [
    'unverified account',
    sdkError('failed to connect session: Usage of ngrok requires a verified account and authtoken.', 'ERR_NGROK_4018'),
    'AUTH_REJECTED',
    /NGROK_AUTHTOKEN/,
  ],
  [
    'domain of another account',
    sdkError('failed to start tunnel: This domain is reserved for another account.', 'ERR_NGROK_320'),
    'DOMAIN_NOT_OWNED',
    /dashboard\.ngrok\.com\/domains/,
  ],
  [
    'domain not reserved',
    sdkError('failed to start tunnel: The domain x.ngrok.app is not reserved by your account.', 'ERR_NGROK_7118'),
    'DOMAIN_NOT_OWNED',
    /drop --domain/,
  ],
  [
    'domain already online',
    sdkError('failed to start tunnel: The endpoint https://x.ngrok.app is already online.', 'ERR_NGROK_334'),
    'DOMAIN_IN_USE',
    /Stop the other tunnel/,
  ],
  [
    'session limit',
    sdkError('Your account is limited to 1 simultaneous ngrok agent sessions.', 'ERR_NGROK_108'),
    'SESSION_LIMIT',
    /dashboard\.ngrok\.com\/agents/,
  ],
  [
    'no route',
    sdkError('failed to connect session: failed to establish tcp connection'),
    'UNREACHABLE',
    /internet connection/,
  ],
  [
    'dns',
    sdkError('failed to connect session: failed to resolve connect.ngrok-agent.com (dns error)'),
    'UNREACHABLE',
    /--public-url/,
  ],
  ['anything else', sdkError('something odd happened'), 'FAILED', /--public-url/],
];

for (const [name, err, code, hint] of cases) {
  test(`explains ${name} as ${code}`, () => {
    const e = explainNgrokError(err, { authtoken: 'tok_abcdef', domain: 'x.ngrok.app' });
    assert.ok(e instanceof TunnelError);
    assert.equal(e.code, code);
    assert.match(e.hint, hint);
    assert.ok(e.cause === err);
  });
}

test('keeps the ngrok code and quotes ngrok without the token', () => {
  const e = explainNgrokError(
    sdkError(
      'The authtoken you specified does not look like a proper ngrok authtoken.\nYour authtoken: 2abcDEFghiJKLmnoPQRstu_1234567890',
      'ERR_NGROK_105',
    ),
    { authtoken: 'other' },
  );
  assert.equal(e.ngrokCode, 'ERR_NGROK_105');
  assert.doesNotMatch(e.message, /2abcDEF/);
  assert.match(e.message, /\[authtoken\]/);
});

test('scrubAuthtoken removes the configured token wherever it appears', () => {
  assert.equal(scrubAuthtoken('a tok_secret_1 b tok_secret_1', 'tok_secret_1'), 'a [authtoken] b [authtoken]');
  assert.equal(scrubAuthtoken('plain message', undefined), 'plain message');
});

test('a domain-ish message without a code is a domain problem only when a domain was asked for', () => {
  assert.equal(explainNgrokError(new Error('hostname is reserved'), { domain: 'a.b' }).code, 'DOMAIN_NOT_OWNED');
  assert.equal(explainNgrokError(new Error('hostname is reserved'), {}).code, 'FAILED');
});
