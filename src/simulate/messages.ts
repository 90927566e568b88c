/**
 * The messages and events a simulated user sends, filled in the way WeChat fills them
 * (protocol.md §4): field order as in WeChat's pushes, MsgId only on user messages,
 * CreateTime in seconds. Each function returns a typed message; `buildMessageXml` writes it.
 */
import type {
  ClickEvent,
  ImageMessage,
  LinkMessage,
  LocationEvent,
  LocationMessage,
  LocationSelectEvent,
  MassSendJobFinishEvent,
  PicEvent,
  ScanCodeEvent,
  ScanEvent,
  ShortVideoMessage,
  SubscribeEvent,
  TemplateSendJobFinishEvent,
  TextMessage,
  UnknownEvent,
  UnsubscribeEvent,
  VideoMessage,
  ViewEvent,
  ViewMiniprogramEvent,
  VoiceMessage,
} from '../protocol/messages.js';
import { createHash, randomBytes } from 'node:crypto';
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_MINIPROGRAM_MENU_ID,
  DEFAULT_OPENID,
  DEFAULT_VIEW_MENU_ID,
  newMsgId,
  unixSeconds,
} from './ids.js';

/** Who sends, to whom, and when; every field has a realistic default. */
export interface SimulatedUser {
  /** The user's OpenID (FromUserName). */
  from?: string;
  /** The account's 原始ID (ToUserName). */
  to?: string;
  /** Milliseconds since the epoch; CreateTime is derived in seconds. */
  now?: number;
  /** Overrides the generated MsgId (user messages only). */
  msgId?: string;
}

function head<T extends string>(MsgType: T, s: SimulatedUser = {}) {
  return {
    ToUserName: s.to ?? DEFAULT_ACCOUNT_ID,
    FromUserName: s.from ?? DEFAULT_OPENID,
    CreateTime: unixSeconds(s.now),
    MsgType,
  };
}

// Media ids look like WeChat's: long, opaque, URL-safe.
function fakeMediaId(): string {
  return randomBytes(48).toString('base64url');
}

export function textMessage(Content: string, s?: SimulatedUser): TextMessage {
  return { ...head('text', s), Content, MsgId: s?.msgId ?? newMsgId() };
}

export function imageMessage(PicUrl: string, s?: SimulatedUser, MediaId = fakeMediaId()): ImageMessage {
  return { ...head('image', s), PicUrl, MediaId, MsgId: s?.msgId ?? newMsgId() };
}

/** `Recognition` is present only when the account has speech recognition on (§4.1). */
export function voiceMessage(
  o: { recognition?: string; format?: string; mediaId?: string } = {},
  s?: SimulatedUser,
): VoiceMessage {
  const m: VoiceMessage = {
    ...head('voice', s),
    MediaId: o.mediaId ?? fakeMediaId(),
    Format: o.format ?? 'amr',
    MsgId: s?.msgId ?? newMsgId(),
    MediaId16K: fakeMediaId(),
  };
  if (o.recognition !== undefined) m.Recognition = o.recognition;
  return m;
}

export function videoMessage(o: { mediaId?: string; thumbMediaId?: string } = {}, s?: SimulatedUser): VideoMessage {
  return {
    ...head('video', s),
    MediaId: o.mediaId ?? fakeMediaId(),
    ThumbMediaId: o.thumbMediaId ?? fakeMediaId(),
    MsgId: s?.msgId ?? newMsgId(),
  };
}

export function shortVideoMessage(
  o: { mediaId?: string; thumbMediaId?: string } = {},
  s?: SimulatedUser,
): ShortVideoMessage {
  return {
    ...head('shortvideo', s),
    MediaId: o.mediaId ?? fakeMediaId(),
    ThumbMediaId: o.thumbMediaId ?? fakeMediaId(),
    MsgId: s?.msgId ?? newMsgId(),
  };
}

export function locationMessage(
  lat: number,
  lng: number,
  o: { label?: string; scale?: number } = {},
  s?: SimulatedUser,
): LocationMessage {
  return {
    ...head('location', s),
    Location_X: lat,
    Location_Y: lng,
    Scale: o.scale ?? 15,
    Label: o.label ?? '',
    MsgId: s?.msgId ?? newMsgId(),
  };
}

export function linkMessage(
  Url: string,
  o: { title?: string; description?: string } = {},
  s?: SimulatedUser,
): LinkMessage {
  return {
    ...head('link', s),
    Title: o.title ?? Url,
    Description: o.description ?? '',
    Url,
    MsgId: s?.msgId ?? newMsgId(),
  };
}

// ---- events: no MsgId (§4.2) ----

const ev = <E extends string>(Event: E, s?: SimulatedUser) => ({ ...head('event', s), Event });

// A QR ticket is an opaque base64 string in real pushes.
const fakeTicket = () => randomBytes(72).toString('base64');

/** A plain follow, or through a parametric QR code when `scene` is given (EventKey `qrscene_…` + Ticket). */
export function subscribeEvent(scene?: string, s?: SimulatedUser): SubscribeEvent {
  return scene === undefined
    ? ev('subscribe', s)
    : { ...ev('subscribe', s), EventKey: `qrscene_${scene}`, Ticket: fakeTicket() };
}

export function unsubscribeEvent(s?: SimulatedUser): UnsubscribeEvent {
  return ev('unsubscribe', s);
}

/** An already-following user scanned a parametric QR code: EventKey is the bare scene. */
export function scanEvent(scene: string, s?: SimulatedUser): ScanEvent {
  return { ...ev('SCAN', s), EventKey: scene, Ticket: fakeTicket() };
}

export function clickEvent(key: string, s?: SimulatedUser): ClickEvent {
  return { ...ev('CLICK', s), EventKey: key };
}

// WeChat writes MenuId bare; the type keeps it a string, so a number is passed through to the writer.
const bareNumber = (digits: string) => Number(digits) as unknown as string;

export function viewEvent(url: string, o: { menuId?: string } = {}, s?: SimulatedUser): ViewEvent {
  return { ...ev('VIEW', s), EventKey: url, MenuId: bareNumber(o.menuId ?? DEFAULT_VIEW_MENU_ID) };
}

export function viewMiniprogramEvent(
  pagePath: string,
  o: { menuId?: string } = {},
  s?: SimulatedUser,
): ViewMiniprogramEvent {
  return {
    ...ev('view_miniprogram', s),
    EventKey: pagePath,
    MenuId: bareNumber(o.menuId ?? DEFAULT_MINIPROGRAM_MENU_ID),
  };
}

export function locationEvent(
  lat: number,
  lng: number,
  o: { precision?: number } = {},
  s?: SimulatedUser,
): LocationEvent {
  return { ...ev('LOCATION', s), Latitude: lat, Longitude: lng, Precision: o.precision ?? 65 };
}

export function scanCodeEvent(
  Event: ScanCodeEvent['Event'],
  key: string,
  o: { result?: string; scanType?: string } = {},
  s?: SimulatedUser,
): ScanCodeEvent {
  return {
    ...ev(Event, s),
    EventKey: key,
    ScanCodeInfo: { ScanType: o.scanType ?? 'qrcode', ScanResult: o.result ?? 'https://example.com/scanned' },
  };
}

/** The photos themselves follow as separate `image` messages, as in WeChat. */
export function picEvent(
  Event: PicEvent['Event'],
  key: string,
  o: { count?: number } = {},
  s?: SimulatedUser,
): PicEvent {
  const count = o.count ?? 1;
  const PicList = Array.from({ length: count }, () => ({
    PicMd5Sum: createHash('md5').update(randomBytes(16)).digest('hex'),
  }));
  return { ...ev(Event, s), EventKey: key, SendPicsInfo: { Count: count, PicList } };
}

/** WeChat sends these coordinates as CDATA strings, unlike the location message (§4.2). */
export function locationSelectEvent(
  key: string,
  lat: number,
  lng: number,
  o: { label?: string; poiname?: string; scale?: number } = {},
  s?: SimulatedUser,
): LocationSelectEvent {
  const str = (n: number) => String(n) as unknown as number;
  return {
    ...ev('location_select', s),
    EventKey: key,
    SendLocationInfo: {
      Location_X: str(lat),
      Location_Y: str(lng),
      Scale: str(o.scale ?? 15),
      Label: o.label ?? '',
      Poiname: o.poiname ?? '',
    },
  };
}

export function templateSendJobFinishEvent(
  o: { status?: string; msgId?: string } = {},
  s?: SimulatedUser,
): TemplateSendJobFinishEvent {
  return { ...ev('TEMPLATESENDJOBFINISH', s), MsgID: o.msgId ?? '200163836', Status: o.status ?? 'success' };
}

export function massSendJobFinishEvent(
  o: { status?: string; msgId?: string; total?: number } = {},
  s?: SimulatedUser,
): MassSendJobFinishEvent {
  const total = o.total ?? 100;
  return {
    ...ev('MASSSENDJOBFINISH', s),
    MsgID: o.msgId ?? '1000001625',
    Status: o.status ?? 'send success',
    TotalCount: total,
    FilterCount: total,
    SentCount: total,
    ErrorCount: 0,
  };
}

/** Any other event (kf_create_session, card events…): a server must still answer it. */
export function customEvent(Event: string, fields: Record<string, string> = {}, s?: SimulatedUser): UnknownEvent {
  return { ...ev(Event, s), ...fields };
}
