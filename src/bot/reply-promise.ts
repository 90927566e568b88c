import type { ReplyBody } from '../protocol/replies.js';

/**
 * The promise of a media reply helper (`ctx.replyImage({ file })` and the like), which knows whether
 * anyone waits for it: `then`, `catch`, `finally`, `await`, returning it from a handler all call
 * `then()`. A handler that neither returns nor awaits it would leave a failed upload (a missing file,
 * a refused type) as an unhandled rejection, and Node ends the process on one: a single user's
 * message would take the server down. See mediaReply.
 */
class ReplyPromise extends Promise<ReplyBody> {
  // Promises made by then() are plain ones (and the constructor is not called again for them).
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  awaited = false;

  // biome-ignore lint/suspicious/noThenProperty: a Promise subclass that sees who waits for it, on purpose.
  override then<A = ReplyBody, B = never>(
    onfulfilled?: ((value: ReplyBody) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.awaited = true;
    return super.then(onfulfilled, onrejected);
  }
}

/**
 * `work` as a promise whose failure, if nobody waits for it by the time it comes, goes to `report`
 * (the context's reportError: the log) instead of the process's unhandled rejections. One that
 * somebody awaits is theirs: it fails their handler, and is reported once, by that path.
 */
export function mediaReply(work: Promise<ReplyBody>, report: (err: unknown) => void): Promise<ReplyBody> {
  const p = new ReplyPromise((resolve, reject) => {
    work.then(resolve, reject);
  });
  // Not through p.then(), which would count as waiting; this reaction also marks the rejection handled.
  Promise.prototype.then.call(p, undefined, (err: unknown) => {
    if (!p.awaited) report(err);
  });
  return p;
}
