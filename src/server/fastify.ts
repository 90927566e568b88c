import type { IncomingMessage, ServerResponse } from 'node:http';

// Structural slices of Fastify's types, so fastify stays an optional dependency (never imported here).
/** The slice of a Fastify request the plugin reads. */
export interface FastifyLikeRequest {
  raw: IncomingMessage;
  body?: unknown;
}

/** The slice of a Fastify reply the plugin uses. */
export interface FastifyLikeReply {
  raw: ServerResponse;
  hijack(): unknown;
}

/** Fastify's content-type parser callback. */
export type BodyDone = (err: Error | null, body?: Buffer) => void;

/** The slice of a Fastify instance the plugin uses (so Fastify stays an optional dependency). */
export interface FastifyLikeInstance {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    opts: { parseAs: 'buffer'; bodyLimit?: number },
    parser: (request: FastifyLikeRequest, body: Buffer, done: BodyDone) => void,
  ): unknown;
  all(path: string, handler: (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<void>): unknown;
}

export interface FastifyAdapterOptions {
  /** Route the handler answers (all methods; non-GET/POST get wxbot's 405). Default '/', i.e. the register prefix. */
  path?: string;
  /** Largest body Fastify reads for this route (413 above). Default: the Fastify server's bodyLimit (1 MiB). */
  bodyLimit?: number;
}

/**
 * Mounts the handler in Fastify as an encapsulated plugin:
 * `await app.register(toFastify(handler, { path: '/wechat' }))`.
 *
 * Inside the plugin only, every content type is read as a raw Buffer (Fastify would answer WeChat's
 * text/xml with 415, and the exact bytes matter for compatible-mode signatures); the app's other
 * routes keep their own parsers. The reply is hijacked so the handler writes the raw response.
 */
export function toFastify(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  options: FastifyAdapterOptions = {},
): (instance: FastifyLikeInstance) => Promise<void> {
  const plugin = async (instance: FastifyLikeInstance): Promise<void> => {
    instance.removeAllContentTypeParsers();
    const parserOptions =
      options.bodyLimit === undefined
        ? { parseAs: 'buffer' as const }
        : { parseAs: 'buffer' as const, bodyLimit: options.bodyLimit };
    instance.addContentTypeParser('*', parserOptions, (_request, body, done) => done(null, body));
    instance.all(options.path ?? '/', async (request, reply) => {
      reply.hijack();
      const raw = request.raw as IncomingMessage & { body?: unknown };
      const body = request.body;
      // The body read takes a pre-read string/Buffer from req.body; Fastify keeps it on request.body instead.
      if ((typeof body === 'string' || Buffer.isBuffer(body)) && raw.body === undefined) raw.body = body;
      await handler(raw, reply.raw);
    });
  };
  Object.defineProperty(plugin, Symbol.for('fastify.display-name'), { value: 'wxbot' });
  return plugin;
}
