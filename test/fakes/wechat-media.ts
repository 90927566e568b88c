/**
 * The media, QR code and template parts of the fake WeChat API, checking requests as WeChat
 * documents them: uploads are multipart with the file in the field `media` (parsed by busboy, a real
 * multipart parser), the type in the query, formats by their bytes and extension, sizes per type;
 * downloads answer the file, or JSON with an errcode. showqrcode serves a real PNG.
 */
import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import busboy from 'busboy';

export type FakeAnswer =
  | { json: Record<string, unknown> }
  | { status: number; contentType: string; bytes: Buffer; filename?: string };

export interface FakeMediaItem {
  media_id: string;
  type: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
  permanent: boolean;
  title?: string;
  introduction?: string;
  created_at: number;
}

export interface FakeTemplate {
  template_id: string;
  title: string;
  primary_industry: string;
  deputy_industry: string;
  content: string;
  example: string;
}

export interface FakeMedia {
  /** Every accepted upload (temporary and permanent), in order. */
  uploads: FakeMediaItem[];
  /** Accepted template messages (the request bodies). */
  templateMessages: Record<string, unknown>[];
  templates: FakeTemplate[];
  /** Tickets issued by qrcode/create, with the body that made them. */
  qrcodes: Map<string, Record<string, unknown>>;
  /** Forgets a temporary media_id, as WeChat does after 3 days. */
  expire(mediaId: string): void;
}

const MB = 1024 * 1024;
const LIMITS: Record<string, { max: number; exts: string[]; formats: string[] }> = {
  image: { max: 10 * MB, exts: ['bmp', 'png', 'jpeg', 'jpg', 'gif'], formats: ['bmp', 'png', 'jpeg', 'gif'] },
  voice: { max: 2 * MB, exts: ['amr', 'mp3'], formats: ['amr', 'mp3'] },
  video: { max: 10 * MB, exts: ['mp4'], formats: ['mp4'] },
  thumb: { max: 64 * 1024, exts: ['jpg', 'jpeg'], formats: ['jpeg'] },
};

// The fake's own reading of file signatures (not the library's, so a bug there shows here).
function formatOf(b: Buffer): string | undefined {
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8) return 'jpeg';
  if (b.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif';
  if (b.subarray(0, 2).toString('latin1') === 'BM') return 'bmp';
  if (b.subarray(0, 5).toString('latin1') === '#!AMR') return 'amr';
  if (b.subarray(0, 3).toString('latin1') === 'ID3' || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0)) return 'mp3';
  if (b.subarray(4, 8).toString('latin1') === 'ftyp') return 'mp4';
  return undefined;
}

interface Parsed {
  fields: Record<string, string>;
  files: { field: string; filename: string; contentType: string; bytes: Buffer }[];
}

export function parseMultipart(contentType: string, body: Buffer): Promise<Parsed> {
  return new Promise((resolve, reject) => {
    const out: Parsed = { fields: {}, files: [] };
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: { 'content-type': contentType } });
    } catch (err) {
      reject(err);
      return;
    }
    bb.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () =>
        out.files.push({
          field,
          filename: info.filename ?? '',
          contentType: info.mimeType,
          bytes: Buffer.concat(chunks),
        }),
      );
    });
    bb.on('field', (name, value) => {
      out.fields[name] = value;
    });
    bb.on('close', () => resolve(out));
    bb.on('error', reject);
    bb.end(body);
  });
}

/** A real PNG: a grey-scale picture of `size`×`size` pixels with a QR-like finder pattern. */
export function makePng(size = 64): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey-scale
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(size + 1); // filter byte 0, then pixels
    for (let x = 0; x < size; x++) {
      const inFinder = x < size / 4 && y < size / 4;
      row[x + 1] = inFinder || (x * 7 + y * 13) % 5 === 0 ? 0 : 255;
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const DEFAULT_TEMPLATES: FakeTemplate[] = [
  {
    template_id: 'iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s',
    title: '订单发货提醒',
    primary_industry: 'IT科技',
    deputy_industry: '互联网|电子商务',
    content: '{{first.DATA}}\n订单号：{{keyword1.DATA}}\n快递公司：{{keyword2.DATA}}\n{{remark.DATA}}',
    example: '您的订单已发货\n订单号：123\n快递公司：顺丰\n感谢惠顾',
  },
  {
    template_id: 'bxNcXnQb2w8A2o7w3dO2PlXDtj3LGQ0c2Rs1Xq0HhLk',
    title: '预约成功通知',
    primary_industry: 'IT科技',
    deputy_industry: '互联网|电子商务',
    content: '{{first.DATA}}\n时间：{{time.DATA}}\n{{remark.DATA}}',
    example: '预约成功\n时间：明天 10:00\n请准时到达',
  },
];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface FakeMediaOptions {
  /** Delay before an upload answers, so concurrent first uses really overlap. */
  uploadDelayMs?: number;
  now?: () => number;
}

export function createFakeMedia(o: FakeMediaOptions = {}) {
  const now = o.now ?? Date.now;
  const items = new Map<string, FakeMediaItem>();
  const state: FakeMedia = {
    uploads: [],
    templateMessages: [],
    templates: DEFAULT_TEMPLATES.map((t) => ({ ...t })),
    qrcodes: new Map(),
    expire: (id) => {
      items.delete(id);
    },
  };
  const png = makePng();

  async function upload(
    permanent: boolean,
    query: Record<string, string>,
    multipart: { contentType: string; raw: Buffer } | undefined,
  ): Promise<Record<string, unknown>> {
    const type = query.type ?? '';
    const limit = LIMITS[type];
    if (!limit) return { errcode: 40004 };
    if (!multipart) return { errcode: 41005 };
    let parsed: Parsed;
    try {
      parsed = await parseMultipart(multipart.contentType, multipart.raw);
    } catch {
      return { errcode: 41005 };
    }
    const file = parsed.files.find((f) => f.field === 'media');
    if (!file) return { errcode: 41005 };
    const ext = /\.([A-Za-z0-9]+)$/.exec(file.filename)?.[1]?.toLowerCase() ?? '';
    const format = formatOf(file.bytes);
    if (!limit.exts.includes(ext) || !format || !limit.formats.includes(format)) return { errcode: 40005 };
    if (file.bytes.length <= 5) return { errcode: 40006 };
    if (file.bytes.length > limit.max) return { errcode: 45001 };
    let title: string | undefined;
    let introduction: string | undefined;
    if (permanent && type === 'video') {
      try {
        const d = JSON.parse(parsed.fields.description ?? '') as { title?: unknown; introduction?: unknown };
        if (typeof d.title !== 'string' || typeof d.introduction !== 'string') return { errcode: 47001 };
        title = d.title;
        introduction = d.introduction;
      } catch {
        return { errcode: 47001 };
      }
    }
    if (o.uploadDelayMs) await new Promise((r) => setTimeout(r, o.uploadDelayMs));
    const item: FakeMediaItem = {
      media_id: `${permanent ? 'P' : 'T'}${randomBytes(30).toString('base64url')}`,
      type,
      filename: file.filename,
      contentType: file.contentType,
      bytes: file.bytes,
      permanent,
      title,
      introduction,
      created_at: Math.floor(now() / 1000),
    };
    items.set(item.media_id, item);
    state.uploads.push(item);
    if (permanent)
      return type === 'image'
        ? { media_id: item.media_id, url: `http://mmbiz.qpic.cn/fake/${item.media_id}/0` }
        : { media_id: item.media_id };
    return type === 'thumb'
      ? { type, thumb_media_id: item.media_id, created_at: item.created_at }
      : { type, media_id: item.media_id, created_at: item.created_at };
  }

  function download(mediaId: unknown, permanent: boolean): FakeAnswer {
    if (typeof mediaId !== 'string' || !mediaId) return { json: { errcode: 41006 } };
    const item = items.get(mediaId);
    if (!item || item.permanent !== permanent) return { json: { errcode: 40007 } };
    if (item.type === 'video') {
      const url = `http://fake-video.example/${item.media_id}.mp4`;
      return {
        json: permanent ? { title: item.title, description: item.introduction, down_url: url } : { video_url: url },
      };
    }
    return { status: 200, contentType: item.contentType, bytes: item.bytes, filename: item.filename };
  }

  function qrcode(body: unknown): Record<string, unknown> {
    if (!isObj(body) || !isObj(body.action_info) || !isObj(body.action_info.scene)) return { errcode: 40053 };
    const scene = body.action_info.scene;
    const action = body.action_name;
    const numeric = action === 'QR_SCENE' || action === 'QR_LIMIT_SCENE';
    const permanent = action === 'QR_LIMIT_SCENE' || action === 'QR_LIMIT_STR_SCENE';
    if (!numeric && action !== 'QR_STR_SCENE' && action !== 'QR_LIMIT_STR_SCENE') return { errcode: 40053 };
    if (numeric) {
      const id = scene.scene_id;
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > (permanent ? 100_000 : 2 ** 32 - 1))
        return { errcode: 40053 };
    } else if (typeof scene.scene_str !== 'string' || scene.scene_str.length < 1 || scene.scene_str.length > 64) {
      return { errcode: 40053 };
    }
    let expire: number | undefined;
    if (!permanent) {
      expire = body.expire_seconds === undefined ? 60 : Number(body.expire_seconds);
      if (!Number.isInteger(expire) || expire < 1 || expire > 2_592_000) return { errcode: 40053 };
    }
    const ticket = `gQ${randomBytes(24).toString('base64')}==`;
    state.qrcodes.set(ticket, body);
    const url = `http://weixin.qq.com/q/${randomBytes(12).toString('hex')}`;
    return expire === undefined ? { ticket, url } : { ticket, expire_seconds: expire, url };
  }

  function templateSend(body: unknown): Record<string, unknown> {
    if (!isObj(body) || typeof body.touser !== 'string' || typeof body.template_id !== 'string' || !isObj(body.data))
      return { errcode: 47001 };
    if (!/^[A-Za-z0-9_-]{6,64}$/.test(body.touser)) return { errcode: 40003 };
    if (!state.templates.some((t) => t.template_id === body.template_id)) return { errcode: 40037 };
    for (const v of Object.values(body.data)) if (!isObj(v) || typeof v.value !== 'string') return { errcode: 47001 };
    if (body.url !== undefined && (typeof body.url !== 'string' || !/^https?:\/\//.test(body.url)))
      return { errcode: 47003 };
    if (body.miniprogram !== undefined && (!isObj(body.miniprogram) || typeof body.miniprogram.appid !== 'string'))
      return { errcode: 47001 };
    state.templateMessages.push(body);
    return { errcode: 0, errmsg: 'ok', msgid: 200228332 + state.templateMessages.length };
  }

  const PATHS = new Set([
    '/cgi-bin/media/upload',
    '/cgi-bin/media/get',
    '/cgi-bin/material/add_material',
    '/cgi-bin/material/get_material',
    '/cgi-bin/material/del_material',
    '/cgi-bin/material/get_materialcount',
    '/cgi-bin/material/batchget_material',
    '/cgi-bin/qrcode/create',
    '/cgi-bin/template/get_all_private_template',
    '/cgi-bin/message/template/send',
  ]);

  return {
    state,
    handles: (path: string) => PATHS.has(path),
    /** showqrcode needs no access_token: the ticket is the credential. */
    showQrcode(ticket: string | undefined): FakeAnswer {
      if (!ticket || !state.qrcodes.has(ticket))
        return { status: 404, contentType: 'text/plain', bytes: Buffer.from('unknown ticket') };
      return { status: 200, contentType: 'image/png', bytes: png };
    },
    async handle(
      path: string,
      method: string,
      query: Record<string, string>,
      body: unknown,
      multipart: { contentType: string; raw: Buffer } | undefined,
    ): Promise<FakeAnswer> {
      const post = method === 'POST';
      const needPost = { json: { errcode: 43002, errmsg: 'require POST method' } };
      switch (path) {
        case '/cgi-bin/media/upload':
          return post ? { json: await upload(false, query, multipart) } : needPost;
        case '/cgi-bin/material/add_material':
          return post ? { json: await upload(true, query, multipart) } : needPost;
        case '/cgi-bin/media/get':
          return download(query.media_id, false);
        case '/cgi-bin/material/get_material':
          return post ? download(isObj(body) ? body.media_id : undefined, true) : needPost;
        case '/cgi-bin/material/del_material': {
          if (!post) return needPost;
          const id = isObj(body) ? body.media_id : undefined;
          const item = typeof id === 'string' ? items.get(id) : undefined;
          if (!item?.permanent) return { json: { errcode: 40007 } };
          items.delete(item.media_id);
          return { json: { errcode: 0, errmsg: 'ok' } };
        }
        case '/cgi-bin/material/get_materialcount': {
          const perm = [...items.values()].filter((i) => i.permanent);
          const n = (t: string) => perm.filter((i) => i.type === t).length;
          return { json: { voice_count: n('voice'), video_count: n('video'), image_count: n('image'), news_count: 0 } };
        }
        case '/cgi-bin/material/batchget_material': {
          if (!post || !isObj(body)) return needPost;
          const { type, offset, count } = body as { type?: unknown; offset?: unknown; count?: unknown };
          if (type !== 'image' && type !== 'voice' && type !== 'video' && type !== 'news')
            return { json: { errcode: 40004 } };
          if (typeof offset !== 'number' || typeof count !== 'number' || count < 1 || count > 20 || offset < 0)
            return { json: { errcode: 47003 } };
          const all = [...items.values()].filter((i) => i.permanent && i.type === type);
          const page = all
            .slice(offset, offset + count)
            .map((i) => ({ media_id: i.media_id, name: i.filename, update_time: i.created_at, url: '' }));
          return { json: { total_count: all.length, item_count: page.length, item: page } };
        }
        case '/cgi-bin/qrcode/create':
          return post ? { json: qrcode(body) } : needPost;
        case '/cgi-bin/template/get_all_private_template':
          return { json: { template_list: state.templates } };
        case '/cgi-bin/message/template/send':
          return post ? { json: templateSend(body) } : needPost;
        default:
          return { json: { errcode: 404 } };
      }
    },
  };
}
