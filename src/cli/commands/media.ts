import { Command, Option } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import { CliError, EXIT } from '../errors.js';
import { unreadableReason } from '../../config/errors.js';
import { type AccountFlags, accountApi, out, runWechat, withAccountOptions } from '../wechat-account.js';

interface UploadFlags extends AccountFlags {
  type?: 'image' | 'voice' | 'video' | 'thumb';
  permanent?: boolean;
  title?: string;
  introduction?: string;
}
interface ListFlags extends AccountFlags {
  type: 'image' | 'voice' | 'video';
  offset: string;
  count: string;
}
interface GetFlags extends AccountFlags {
  permanent?: boolean;
  out?: string;
}

const EXAMPLES = `
Examples:
  $ wxbot media upload cat.png                          # temporary image: prints its media_id (3 days)
  $ wxbot media upload thumb.jpg --type thumb
  $ wxbot media upload logo.png --permanent --json
  $ wxbot media upload intro.mp4 --permanent --title 介绍 --introduction 我们的视频
  $ wxbot media list --type image
  $ wxbot media list --type video --offset 20 --count 20 --json
  $ wxbot media get MEDIA_ID --out cat.png              # temporary media
  $ wxbot media get MEDIA_ID --permanent --out logo.png
  $ wxbot media delete MEDIA_ID                         # permanent material`;

function examplesOf(name: string): string {
  const lines = EXAMPLES.split('\n').filter((l) => l.includes(`wxbot media ${name}`));
  return `\nExamples:\n${lines.join('\n')}`;
}

const sub = (cmd: Command) => withAccountOptions(cmd).addHelpText('after', examplesOf(cmd.name()));
const DAY_S = 86_400;

function positiveInt(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new CliError(`${flag} must be a whole number from ${min} to ${max} (got ${value})`, EXIT.usage);
  return n;
}

async function readInput(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${unreadableReason(err as NodeJS.ErrnoException)}`);
  }
}

const NAMED_FORMATS = {
  bmp: 'bmp',
  png: 'png',
  jpg: 'jpeg',
  jpeg: 'jpeg',
  gif: 'gif',
  amr: 'amr',
  mp3: 'mp3',
  mp4: 'mp4',
} as const;

function formatFromName(file: string): (typeof NAMED_FORMATS)[keyof typeof NAMED_FORMATS] | undefined {
  const ext = file.slice(file.lastIndexOf('.') + 1).toLowerCase();
  return Object.hasOwn(NAMED_FORMATS, ext) ? NAMED_FORMATS[ext as keyof typeof NAMED_FORMATS] : undefined;
}

async function upload(file: string, flags: UploadFlags): Promise<void> {
  if ((flags.title !== undefined || flags.introduction !== undefined) && !flags.permanent) {
    throw new CliError('--title and --introduction describe a permanent video: add --permanent', EXIT.usage);
  }
  const lib = await import('../../wechat-api/index.js');
  const bytes = await readInput(file);
  // When the bytes are in no format WeChat takes, the file's name says what the user meant.
  const format = lib.sniffFormat(bytes) ?? formatFromName(file);
  const type = flags.type ?? (format ? lib.defaultTypeFor(format) : 'image');
  // Checked before the account is even looked at: a file WeChat refuses costs nothing.
  lib.checkMedia(type, bytes, file);
  if (type === 'video' && flags.permanent && (!flags.title || !flags.introduction)) {
    throw new CliError('a permanent video needs --title and --introduction', EXIT.usage);
  }
  const { api } = await accountApi(flags, 'uploads');
  if (flags.permanent) {
    const video = type === 'video' ? { title: flags.title!, introduction: flags.introduction! } : undefined;
    const added = await lib.addMaterial(api, type, { bytes, filename: file }, video);
    if (flags.json) out(JSON.stringify({ ok: true, type, permanent: true, media_id: added.media_id, url: added.url }));
    else {
      out(added.media_id);
      process.stderr.write(`uploaded ${file} as permanent ${type} material${added.url ? ` (${added.url})` : ''}\n`);
    }
    return;
  }
  const up = await lib.uploadTempMedia(api, type, { bytes, filename: file });
  const expiresAt = new Date((up.created_at + 3 * DAY_S) * 1000).toISOString();
  if (flags.json) {
    out(
      JSON.stringify({
        ok: true,
        type,
        permanent: false,
        media_id: up.media_id,
        created_at: up.created_at,
        expires_at: expiresAt,
      }),
    );
  } else {
    out(up.media_id);
    process.stderr.write(`uploaded ${file} as temporary ${type} media; WeChat keeps it until ${expiresAt}\n`);
  }
}

async function list(flags: ListFlags): Promise<void> {
  const offset = positiveInt(flags.offset, '--offset', 0, 1_000_000);
  const count = positiveInt(flags.count, '--count', 1, 20);
  const { listMaterials } = await import('../../wechat-api/index.js');
  const { api } = await accountApi(flags, 'permanent material lists');
  const page = await listMaterials(api, flags.type, offset, count);
  if (flags.json) {
    out(JSON.stringify({ ok: true, type: flags.type, ...page }));
    return;
  }
  for (const i of page.item) {
    const when = i.update_time ? new Date(i.update_time * 1000).toISOString() : '';
    out([i.media_id, i.name ?? '', when].join('\t'));
  }
  process.stderr.write(
    `${page.item_count} of ${page.total_count} permanent ${flags.type} item(s), from offset ${offset}\n`,
  );
}

async function get(mediaId: string, flags: GetFlags): Promise<void> {
  const { getMaterial, getTempMedia } = await import('../../wechat-api/index.js');
  const { api } = await accountApi(flags, 'downloads');
  const got = flags.permanent ? await getMaterial(api, mediaId) : await getTempMedia(api, mediaId);
  if (got.kind === 'video') {
    if (flags.json)
      out(
        JSON.stringify({
          ok: true,
          media_id: mediaId,
          video_url: got.url,
          title: got.title,
          description: got.description,
        }),
      );
    else out(got.url);
    return;
  }
  if (!flags.out && (flags.json || process.stdout.isTTY)) {
    throw new CliError(`${mediaId} is a ${got.contentType} file: pass --out <file> to save it`, EXIT.usage);
  }
  if (!flags.out) {
    process.stdout.write(got.bytes);
    return;
  }
  await writeFile(flags.out, got.bytes);
  if (flags.json)
    out(
      JSON.stringify({
        ok: true,
        media_id: mediaId,
        content_type: got.contentType,
        bytes: got.bytes.length,
        out: flags.out,
      }),
    );
  else out(`saved ${flags.out} (${got.contentType}, ${got.bytes.length} bytes)`);
}

export default function mediaCommand(): Command {
  const media = new Command('media')
    .description('Upload, list, download or delete media (素材): temporary media (3 days) and permanent material')
    .addHelpText('after', EXAMPLES);

  media.addCommand(
    sub(new Command('upload').description('upload <file> (checked against WeChat limits first) and print its media_id'))
      .argument(
        '<file>',
        'image (bmp/png/jpg/gif ≤ 10 MB), voice (amr/mp3 ≤ 2 MB), video (mp4 ≤ 10 MB), thumb (jpg ≤ 64 KB)',
      )
      .addOption(
        new Option(
          '--type <type>',
          'media type (default: from the file: picture → image, amr/mp3 → voice, mp4 → video)',
        ).choices(['image', 'voice', 'video', 'thumb']),
      )
      .option('--permanent', 'permanent material instead of temporary media')
      .option('--title <title>', 'title of a permanent video')
      .option('--introduction <text>', 'introduction of a permanent video')
      .action((file: string, flags: UploadFlags) => runWechat(() => upload(file, flags))),
  );

  media.addCommand(
    sub(new Command('list').description('list permanent material of one type'))
      .addOption(new Option('--type <type>', 'material type').choices(['image', 'voice', 'video']).default('image'))
      .option('--offset <n>', 'where to start', '0')
      .option('--count <n>', 'how many (1 to 20)', '20')
      .action((flags: ListFlags) => runWechat(() => list(flags))),
  );

  media.addCommand(
    sub(
      new Command('get').description(
        'download temporary media (or, with --permanent, material); a video prints its URL',
      ),
    )
      .argument('<media_id>', 'the media_id')
      .option('--permanent', 'permanent material instead of temporary media')
      .option('--out <file>', 'save the file here (required on a terminal and with --json)')
      .action((mediaId: string, flags: GetFlags) => runWechat(() => get(mediaId, flags))),
  );

  media.addCommand(
    sub(new Command('delete').description('delete permanent material (temporary media expires on its own)'))
      .argument('<media_id>', 'the media_id')
      .action((mediaId: string, flags: AccountFlags) =>
        runWechat(async () => {
          const { deleteMaterial } = await import('../../wechat-api/index.js');
          const { api } = await accountApi(flags, 'deletions');
          await deleteMaterial(api, mediaId);
          out(flags.json ? JSON.stringify({ ok: true, media_id: mediaId, deleted: true }) : `deleted ${mediaId}`);
        }),
      ),
  );

  return media;
}
