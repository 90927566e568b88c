/**
 * A fake OpenAI-compatible chat-completions server on 127.0.0.1 (real node:http, port 0).
 * It checks what the real API checks — Bearer key, JSON body, known model, message shape, known
 * top-level fields — and answers with the documented `chat.completion` object or `{"error":{…}}`.
 *
 * Scripted answers, chosen by the last user message:
 *   #slow:<ms>   answer after <ms>               #http:<status>  that status with an error object
 *   #quota       429 insufficient_quota          #ratelimit      429 rate_limit_exceeded
 *   #broken      200 with truncated JSON         #html           200 with an HTML page
 *   #empty       content null                    #refusal        a refusal instead of content
 *   #think       content with a <think> block    #long:<bytes>   a Chinese answer of about <bytes> UTF-8 bytes
 *   #echo-key    400 whose message contains the caller's key (to test redaction)
 *   #reset       the socket is destroyed
 *   anything else  fakeOpenAIAnswer(text, earlierMessages)
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body.js';

export const FAKE_OPENAI_KEY = 'sk-test-0123456789abcdefghijklmnop';
export const FAKE_OPENAI_MODEL = 'fake-chat-1';

/** The default answer says how many earlier messages it saw, so memory is visible end to end. */
export const fakeOpenAIAnswer = (text: string, earlier: number) => `回声：${text}（上文 ${earlier} 条）`;

export interface FakeOpenAIRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: the fake inspects whatever JSON a client sent, field by field
  body?: any;
}

export interface FakeOpenAIOptions {
  apiKey?: string;
  models?: string[];
  /** Path prefix of the API (default `/v1`). */
  prefix?: string;
}

export interface FakeOpenAI {
  /** For OPENAI_BASE_URL, e.g. http://127.0.0.1:41234/v1 */
  baseUrl: string;
  requests: FakeOpenAIRequest[];
  close(): Promise<void>;
}

const KNOWN_FIELDS = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'n',
  'stream',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'user',
  'seed',
  'response_format',
  'tools',
  'tool_choice',
]);
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

const apiError = (message: string, type: string, code: string | null, param: string | null = null) => ({
  error: { message, type, param, code },
});

// biome-ignore lint/suspicious/noExplicitAny: the fake inspects whatever JSON a client sent, field by field
function invalid(body: any, models: string[]): [number, unknown] | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return [400, apiError('The body must be a JSON object.', 'invalid_request_error', null)];
  for (const k of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(k))
      return [400, apiError(`Unrecognized request argument supplied: ${k}`, 'invalid_request_error', null)];
  }
  if (typeof body.model !== 'string')
    return [400, apiError('you must provide a model parameter', 'invalid_request_error', null, 'model')];
  if (!models.includes(body.model)) {
    return [
      404,
      apiError(
        `The model \`${body.model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        'model_not_found',
      ),
    ];
  }
  const m = body.messages;
  if (!Array.isArray(m) || m.length === 0)
    return [400, apiError("'messages' must be a non-empty array", 'invalid_request_error', null, 'messages')];
  for (const [i, msg] of m.entries()) {
    if (!msg || !ROLES.has(msg.role))
      return [
        400,
        apiError(
          `Invalid value for 'messages[${i}].role'`,
          'invalid_request_error',
          'invalid_value',
          `messages[${i}].role`,
        ),
      ];
    if (typeof msg.content !== 'string' && !Array.isArray(msg.content)) {
      return [
        400,
        apiError(
          `Invalid type for 'messages[${i}].content'`,
          'invalid_request_error',
          'invalid_type',
          `messages[${i}].content`,
        ),
      ];
    }
  }
  if (body.max_tokens !== undefined && !(Number.isInteger(body.max_tokens) && body.max_tokens > 0)) {
    return [400, apiError("Invalid 'max_tokens'", 'invalid_request_error', 'invalid_value', 'max_tokens')];
  }
  if (
    body.temperature !== undefined &&
    !(typeof body.temperature === 'number' && body.temperature >= 0 && body.temperature <= 2)
  ) {
    return [400, apiError("Invalid 'temperature'", 'invalid_request_error', 'invalid_value', 'temperature')];
  }
  return undefined;
}

function completion(model: string, content: string | null, refusal: string | null = null) {
  return {
    id: 'chatcmpl-fake0001',
    object: 'chat.completion',
    created: 1700000000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

export async function startFakeOpenAI(o: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const apiKey = o.apiKey ?? FAKE_OPENAI_KEY;
  const models = o.models ?? [FAKE_OPENAI_MODEL];
  const prefix = o.prefix ?? '/v1';
  const requests: FakeOpenAIRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    void readBody(req).then((bytes) => {
      const raw = bytes.toString('utf8');
      const seen: FakeOpenAIRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw };
      requests.push(seen);
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.url !== `${prefix}/chat/completions`)
        return json(404, apiError(`Invalid URL (${req.method} ${req.url})`, 'invalid_request_error', null));
      if (req.method !== 'POST') return json(405, apiError('Method not allowed', 'invalid_request_error', null));
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        return json(
          401,
          apiError(
            'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
            'invalid_request_error',
            'invalid_api_key',
          ),
        );
      }
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        return json(400, apiError('Content-Type must be application/json', 'invalid_request_error', null));
      }
      // biome-ignore lint/suspicious/noExplicitAny: the fake inspects whatever JSON a client sent, field by field
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        return json(400, apiError('We could not parse the JSON body of your request.', 'invalid_request_error', null));
      }
      seen.body = body;
      const bad = invalid(body, models);
      if (bad) return json(bad[0], bad[1]);
      const msgs: { role: string; content: unknown }[] = body.messages;
      const lastUser = [...msgs].reverse().find((x) => x.role === 'user');
      const text = typeof lastUser?.content === 'string' ? lastUser.content : '';
      const earlier = msgs.filter((x) => x.role !== 'system').length - 1;
      const m = /#([\w-]+)(?::(\d+))?/.exec(text);
      const arg = Number(m?.[2] ?? 0);
      switch (m?.[1]) {
        case 'slow': {
          const t = setTimeout(() => {
            timers.delete(t);
            json(200, completion(body.model, fakeOpenAIAnswer(text, earlier)));
          }, arg);
          timers.add(t);
          res.on('close', () => {
            clearTimeout(t);
            timers.delete(t);
          });
          return;
        }
        case 'http':
          return json(
            arg,
            apiError(
              arg >= 500 ? 'The server had an error while processing your request.' : 'Bad request',
              arg >= 500 ? 'server_error' : 'invalid_request_error',
              null,
            ),
          );
        case 'quota':
          return json(
            429,
            apiError(
              'You exceeded your current quota, please check your plan and billing details.',
              'insufficient_quota',
              'insufficient_quota',
            ),
          );
        case 'ratelimit':
          return json(429, apiError('Rate limit reached for requests', 'requests', 'rate_limit_exceeded'));
        case 'echo-key':
          return json(400, apiError(`Key ${apiKey} is not allowed to do that`, 'invalid_request_error', null));
        case 'broken':
          return void res
            .writeHead(200, { 'content-type': 'application/json' })
            .end('{"id":"chatcmpl-x","choices":[{"index":0,"mess');
        case 'html':
          return void res
            .writeHead(200, { 'content-type': 'text/html' })
            .end('<html><body>upstream error</body></html>');
        case 'empty':
          return json(200, completion(body.model, null));
        case 'refusal':
          return json(200, completion(body.model, null, '抱歉，我不能回答这个问题。'));
        case 'think':
          return json(200, completion(body.model, '<think>用户在打招呼，礼貌回应。</think>\n\n你好！'));
        case 'long':
          return json(200, completion(body.model, '长'.repeat(Math.ceil(arg / 3))));
        case 'reset':
          return void req.socket.destroy();
        default:
          return json(200, completion(body.model, fakeOpenAIAnswer(text, earlier)));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${prefix}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
