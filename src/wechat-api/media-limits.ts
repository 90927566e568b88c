/**
 * What WeChat accepts as media (temporary media and permanent material), checked before any
 * request so a file WeChat would refuse costs no upload and no API quota. The format is read from
 * the file's first bytes, not trusted from its name: a `.jpg` that is really a PNG is a PNG.
 */
import { WechatApiError } from './errors.js';

export type MediaType = 'image' | 'voice' | 'video' | 'thumb';
export type MediaFormat = 'bmp' | 'png' | 'jpeg' | 'gif' | 'amr' | 'mp3' | 'mp4';

export interface MediaLimit {
  maxBytes: number;
  formats: readonly MediaFormat[];
  /** As WeChat's documentation lists them, for messages and docs. */
  label: string;
}

const MB = 1024 * 1024;

/** WeChat's documented limits per media type (temporary media and permanent material alike). */
export const MEDIA_LIMITS: Readonly<Record<MediaType, MediaLimit>> = {
  image: { maxBytes: 10 * MB, formats: ['bmp', 'png', 'jpeg', 'gif'], label: 'bmp/png/jpeg/jpg/gif, at most 10 MB' },
  voice: { maxBytes: 2 * MB, formats: ['amr', 'mp3'], label: 'amr/mp3, at most 2 MB (and 60 s)' },
  video: { maxBytes: 10 * MB, formats: ['mp4'], label: 'mp4, at most 10 MB' },
  thumb: { maxBytes: 64 * 1024, formats: ['jpeg'], label: 'jpg, at most 64 KB' },
};

export const MEDIA_TYPES: readonly MediaType[] = ['image', 'voice', 'video', 'thumb'];

/** The extension and Content-Type each format is sent with. */
export const FORMAT_FILES: Readonly<Record<MediaFormat, { ext: string; contentType: string }>> = {
  bmp: { ext: 'bmp', contentType: 'image/bmp' },
  png: { ext: 'png', contentType: 'image/png' },
  jpeg: { ext: 'jpg', contentType: 'image/jpeg' },
  gif: { ext: 'gif', contentType: 'image/gif' },
  amr: { ext: 'amr', contentType: 'audio/amr' },
  mp3: { ext: 'mp3', contentType: 'audio/mpeg' },
  mp4: { ext: 'mp4', contentType: 'video/mp4' },
};

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) => sig.every((v, i) => b[at + i] === v);

/** The format the bytes are in, by their signature; undefined when it is none WeChat takes. */
export function sniffFormat(b: Uint8Array): MediaFormat | undefined {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38])) return 'gif';
  if (startsWith(b, [0x42, 0x4d]) && b.length >= 26) return 'bmp';
  if (startsWith(b, [0x23, 0x21, 0x41, 0x4d, 0x52])) return 'amr'; // "#!AMR"
  if (startsWith(b, [0x49, 0x44, 0x33])) return 'mp3'; // "ID3" tag
  if (b.length >= 2 && b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0) return 'mp3'; // MPEG audio frame sync
  if (startsWith(b, [0x66, 0x74, 0x79, 0x70], 4)) return 'mp4'; // "ftyp" box
  return undefined;
}

/** The media type a file of this format is uploaded as when none is named (jpg → image, not thumb). */
export function defaultTypeFor(format: MediaFormat): MediaType {
  if (format === 'amr' || format === 'mp3') return 'voice';
  if (format === 'mp4') return 'video';
  return 'image';
}

export class MediaValidationError extends WechatApiError {
  readonly mediaType: MediaType;
  constructor(mediaType: MediaType, message: string) {
    super('MEDIA_INVALID', message);
    this.name = 'MediaValidationError';
    this.mediaType = mediaType;
  }
}

function size(n: number): string {
  if (n >= MB) return `${(n / MB).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/**
 * The format of `bytes` when WeChat takes them as `type`; a MediaValidationError saying what is
 * wrong (and what would do) otherwise. `name` only makes the message clearer.
 */
export function checkMedia(type: MediaType, bytes: Uint8Array, name = 'the file'): MediaFormat {
  const limit = MEDIA_LIMITS[type];
  if (!limit)
    throw new MediaValidationError(
      type,
      `unknown media type ${JSON.stringify(type)}; one of ${MEDIA_TYPES.join(', ')}`,
    );
  // WeChat refuses files of 5 bytes or less outright.
  if (bytes.length <= 5)
    throw new MediaValidationError(type, `${name} is empty or too small (${bytes.length} bytes) to be ${type} media`);
  const format = sniffFormat(bytes);
  if (!format || !limit.formats.includes(format)) {
    const seen = format ? `is ${format.toUpperCase()}` : 'is in no format WeChat takes';
    throw new MediaValidationError(type, `${name} ${seen}; ${type} media must be ${limit.label}`);
  }
  if (bytes.length > limit.maxBytes) {
    throw new MediaValidationError(type, `${name} is ${size(bytes.length)}; ${type} media must be ${limit.label}`);
  }
  return format;
}
