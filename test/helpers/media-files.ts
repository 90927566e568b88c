/**
 * Small files in each format WeChat takes, made here (nothing downloaded): their first bytes are the
 * real signatures, the rest is filler of the size a test asks for.
 */
import { makePng } from '../fakes/wechat-media.js';

const pad = (head: Buffer, size: number) => Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length), 0x11)]);

export const mediaFiles = {
  png: (size?: number) => (size === undefined ? makePng() : pad(makePng(), size)),
  jpeg: (size = 2048) => pad(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]), size),
  gif: (size = 1024) => pad(Buffer.from('GIF89a', 'latin1'), size),
  amr: (size = 4096) => pad(Buffer.from('#!AMR\n', 'latin1'), size),
  mp3: (size = 4096) => pad(Buffer.from([0x49, 0x44, 0x33, 0x04, 0x00, 0x00]), size),
  mp4: (size = 8192) => pad(Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]), size),
  text: () => Buffer.from('this is not a picture at all\n'),
};
