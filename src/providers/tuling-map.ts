/** Tuling results → a WeChat reply (protocol.md §7.7). Pure and defensive: news items are undocumented. */
import { newsReply, type Article } from '../protocol/replies.js';
import type { ChatReply } from './provider.js';
import { fitWechatText } from './text.js';

export interface TulingResult {
  groupType?: number;
  resultType?: string;
  values?: Record<string, unknown>;
}

export interface MapOptions {
  /** 'news': a 1-item news reply (the limit when answering a user, §5.2); 'text': a numbered list. */
  newsAs?: 'news' | 'text';
  /** Items listed in text mode. */
  maxListItems?: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Seen field names of news/recipe items across Tuling versions (§7.3 says: parse defensively). */
export function tulingArticle(item: unknown): Article | undefined {
  if (!item || typeof item !== 'object') return undefined;
  const o = item as Record<string, unknown>;
  const Title = str(o.name) ?? str(o.article) ?? str(o.title);
  const Url = str(o.detailurl) ?? str(o.detailUrl) ?? str(o.url);
  if (!Title && !Url) return undefined;
  const a: Article = { Title: Title ?? Url! };
  const Description = str(o.info) ?? str(o.source) ?? str(o.description);
  const PicUrl = str(o.icon) ?? str(o.image) ?? str(o.picUrl);
  if (Description) a.Description = Description;
  if (PicUrl) a.PicUrl = PicUrl;
  if (Url) a.Url = Url;
  return a;
}

/** Groups > 0 pair a text with the same content as voice/video (TTS); the text alone is enough. */
function redundant(r: TulingResult, results: TulingResult[]): boolean {
  if (r.resultType !== 'voice' && r.resultType !== 'video') return false;
  if (!r.groupType) return false;
  return results.some((o) => o !== r && o.groupType === r.groupType && o.resultType === 'text');
}

/** Maps `results[]`; undefined when nothing usable was in it. */
export function mapTulingResults(results: TulingResult[], o: MapOptions = {}): ChatReply | undefined {
  const lines: string[] = [];
  const articles: Article[] = [];
  for (const r of results) {
    const v = r.values ?? {};
    if (redundant(r, results)) continue;
    if (r.resultType === 'news') {
      const list = Array.isArray(v.news) ? v.news : [];
      for (const item of list) {
        const a = tulingArticle(item);
        if (a) articles.push(a);
      }
      continue;
    }
    // text, url, image, voice, video: the value is under the key named like the type (§7.3).
    const value = str(v[r.resultType ?? '']) ?? str(v.text) ?? str(v.url);
    if (value) lines.push(value);
  }
  const text = lines.join('\n');
  if (articles.length > 0) {
    if ((o.newsAs ?? 'news') === 'news') {
      const first = { ...articles[0]! };
      if (!first.Description && text) first.Description = text;
      return newsReply(first);
    }
    const list = articles
      .slice(0, o.maxListItems ?? 5)
      .map((a, i) =>
        [`${i + 1}. ${a.Title}${a.Description ? ` — ${a.Description}` : ''}`, a.Url].filter(Boolean).join('\n'),
      );
    return fitWechatText([text, ...list].filter(Boolean).join('\n'));
  }
  return text ? fitWechatText(text) : undefined;
}
