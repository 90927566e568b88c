/** Plain-text renderings of replies and failures, for terminals and logs. */
import type { ChatReply } from './provider.js';
import { ProviderError } from './errors.js';

/** A reply as a person would read it in a terminal (news: title, description, link). */
export function replyToText(reply: ChatReply): string {
  if (typeof reply === 'string') return reply;
  switch (reply.MsgType) {
    case 'text':
      return reply.Content;
    case 'news':
      return reply.Articles.map((a) =>
        [`[${a.Title}]`, a.Description, a.Url, a.PicUrl && `(image: ${a.PicUrl})`].filter(Boolean).join('\n'),
      ).join('\n\n');
    default:
      return `(${reply.MsgType} reply)`;
  }
}

/** One line saying what failed: the code, the provider's own code and its meaning. */
export function describeProviderError(e: unknown): string {
  if (!(e instanceof ProviderError)) return (e as Error)?.message ?? String(e);
  const own = e.providerCode !== undefined ? ` ${e.providerCode}` : '';
  const meaning =
    e.meaning && e.providerCode !== undefined && typeof e.providerCode === 'number'
      ? ` ${e.meaning.zh ? `${e.meaning.zh} (${e.meaning.en})` : e.meaning.en}`
      : '';
  // Tuling's message already is "Tuling error N: meaning"; others get code + message.
  return meaning ? `${e.provider}: ${e.code}${own}${meaning}` : `${e.provider}: ${e.code}${own} — ${e.message}`;
}
