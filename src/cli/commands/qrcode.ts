import { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { CliError, EXIT } from '../errors.js';
import { type AccountFlags, accountApi, out, runWechat, withAccountOptions } from '../wechat-account.js';

interface QrFlags extends AccountFlags {
  scene: string;
  expire?: string;
  permanent?: boolean;
  out?: string;
  imageBase?: string;
}

const EXAMPLES = `
Examples:
  $ wxbot qrcode --scene 42 --out qr.png            # temporary (30 days), scene_id 42
  $ wxbot qrcode --scene spring-promo --expire 7d   # scene_str
  $ wxbot qrcode --scene 7 --permanent --json
  $ wxbot qrcode --scene 42 --expire 1h --out qr.png --json`;

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** `7d`, `12h`, `30m`, `600s` or plain seconds. */
function parseExpire(v: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(v.trim());
  if (!m) throw new CliError(`--expire ${v}: write a duration like 600s, 30m, 12h or 7d`, EXIT.usage);
  return Number(m[1]) * (UNIT_S[m[2] || 's'] ?? 1);
}

async function qrcode(flags: QrFlags): Promise<void> {
  if (flags.permanent && flags.expire !== undefined)
    throw new CliError('--permanent codes do not expire: drop --expire', EXIT.usage);
  const lib = await import('../../wechat-api/index.js');
  // A number is a scene_id, anything else a scene_str (as the subscribe/SCAN EventKey carries it);
  // "007" stays a string: as a scene_id the EventKey would say 7.
  const scene = /^(0|[1-9]\d*)$/.test(flags.scene) ? Number(flags.scene) : flags.scene;
  const request = {
    scene,
    permanent: flags.permanent === true,
    expireSeconds: flags.expire === undefined ? undefined : parseExpire(flags.expire),
  };
  try {
    lib.qrCodeBody(request);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
  const { api, env } = await accountApi(flags, 'QR codes');
  const imageBase = flags.imageBase ?? env.WECHAT_MP_BASE;
  const code = await lib.createQrCode(api, request, imageBase);
  let saved: { bytes: number; contentType: string } | undefined;
  let notSaved: CliError | undefined;
  if (flags.out) {
    // The code exists from here on: a picture that cannot be fetched or written must not hide it.
    try {
      const image = await lib.downloadQrCode(code.ticket, imageBase);
      await writeFile(flags.out, image.bytes);
      saved = { bytes: image.bytes.length, contentType: image.contentType };
    } catch (err) {
      const network = err instanceof lib.WechatApiError && ['WECHAT_NETWORK', 'WECHAT_HTTP'].includes(err.code);
      notSaved = new CliError(
        `the QR code was created (ticket and URL above) but its picture was not saved to ${flags.out}: ${(err as Error).message}. Open the image URL, or run again`,
        network ? EXIT.network : EXIT.failure,
        { resultPrinted: flags.json === true },
      );
    }
  }
  const expiresAt =
    code.expire_seconds === undefined ? undefined : new Date(Date.now() + code.expire_seconds * 1000).toISOString();
  if (flags.json) {
    out(
      JSON.stringify({
        ok: notSaved === undefined,
        ...(notSaved ? { error: { message: notSaved.message, exitCode: notSaved.exitCode } } : {}),
        ticket: code.ticket,
        url: code.url,
        image_url: code.imageUrl,
        scene: code.scene,
        permanent: code.permanent,
        expire_seconds: code.expire_seconds,
        expires_at: expiresAt,
        out: flags.out,
      }),
    );
    if (notSaved) throw notSaved;
    return;
  }
  out(`ticket   ${code.ticket}`);
  out(`url      ${code.url}`);
  out(`image    ${code.imageUrl}`);
  out(
    `scene    ${typeof code.scene === 'number' ? `scene_id ${code.scene}` : `scene_str ${code.scene}`} (EventKey qrscene_${code.scene} on subscribe, ${code.scene} on SCAN)`,
  );
  out(`expires  ${expiresAt ?? 'never (permanent)'}`);
  if (flags.out && saved) out(`saved    ${flags.out} (${saved.contentType}, ${saved.bytes} bytes)`);
  if (notSaved) throw notSaved;
}

export default function qrcodeCommand(): Command {
  return withAccountOptions(
    new Command('qrcode').description(
      'create a QR code with a scene: scanning it sends subscribe/SCAN with that EventKey',
    ),
  )
    .requiredOption('--scene <scene>', 'a number (scene_id) or a string of 1 to 64 characters (scene_str)')
    .option('--expire <duration>', 'temporary code lifetime, 60s to 30d (default 30d)')
    .option('--permanent', 'a permanent code (scene_id 1 to 100000, or a scene_str)')
    .option('--out <file>', 'save the QR code picture here')
    .option(
      '--image-base <url>',
      'where showqrcode serves pictures (default: WECHAT_MP_BASE or https://mp.weixin.qq.com)',
    )
    .addHelpText('after', EXAMPLES)
    .action((flags: QrFlags) => runWechat(() => qrcode(flags)));
}
