/**
 * Incoming messages and events (protocol.md §4), with WeChat's own field names so the
 * official docs and these types read side by side. `MsgId`/`MsgID` are strings: they exceed 2^53.
 */
import type { XmlValue } from './xml.js';

export interface MessageBase {
  ToUserName: string;
  FromUserName: string;
  CreateTime: number;
  MsgType: string;
}

interface UserMessageBase extends MessageBase {
  MsgId: string;
  /** Present when the message was sent from an article's comment context. */
  MsgDataId?: string;
  Idx?: number;
}

export interface TextMessage extends UserMessageBase {
  MsgType: 'text';
  Content: string;
}
export interface ImageMessage extends UserMessageBase {
  MsgType: 'image';
  PicUrl: string;
  MediaId: string;
}
export interface VoiceMessage extends UserMessageBase {
  MsgType: 'voice';
  MediaId: string;
  Format: string;
  MediaId16K?: string;
  /** Only when speech recognition is on; may be empty. */
  Recognition?: string;
}
export interface VideoMessage extends UserMessageBase {
  MsgType: 'video';
  MediaId: string;
  ThumbMediaId: string;
}
export interface ShortVideoMessage extends UserMessageBase {
  MsgType: 'shortvideo';
  MediaId: string;
  ThumbMediaId: string;
}
export interface LocationMessage extends UserMessageBase {
  MsgType: 'location';
  /** Latitude. */
  Location_X: number;
  /** Longitude. */
  Location_Y: number;
  Scale: number;
  Label: string;
}
export interface LinkMessage extends UserMessageBase {
  MsgType: 'link';
  Title: string;
  Description: string;
  Url: string;
}

export type UserMessage =
  | TextMessage
  | ImageMessage
  | VoiceMessage
  | VideoMessage
  | ShortVideoMessage
  | LocationMessage
  | LinkMessage;

interface EventBase extends MessageBase {
  MsgType: 'event';
  Event: string;
}

export interface SubscribeEvent extends EventBase {
  Event: 'subscribe';
  /** `qrscene_` + scene when the follow came through a parametric QR code. */
  EventKey?: string;
  Ticket?: string;
}
export interface UnsubscribeEvent extends EventBase {
  Event: 'unsubscribe';
}
export interface ScanEvent extends EventBase {
  Event: 'SCAN';
  EventKey: string;
  Ticket?: string;
}
export interface LocationEvent extends EventBase {
  Event: 'LOCATION';
  Latitude: number;
  Longitude: number;
  Precision: number;
}
export interface ClickEvent extends EventBase {
  Event: 'CLICK';
  EventKey: string;
}
export interface ViewEvent extends EventBase {
  Event: 'VIEW';
  EventKey: string;
  MenuId?: string;
}
export interface ScanCodeEvent extends EventBase {
  Event: 'scancode_push' | 'scancode_waitmsg';
  EventKey: string;
  ScanCodeInfo: { ScanType: string; ScanResult: string };
}
export interface PicEvent extends EventBase {
  Event: 'pic_sysphoto' | 'pic_photo_or_album' | 'pic_weixin';
  EventKey: string;
  SendPicsInfo: { Count: number; PicList: { PicMd5Sum: string }[] };
}
export interface LocationSelectEvent extends EventBase {
  Event: 'location_select';
  EventKey: string;
  SendLocationInfo: { Location_X: number; Location_Y: number; Scale: number; Label: string; Poiname: string };
}
export interface ViewMiniprogramEvent extends EventBase {
  Event: 'view_miniprogram';
  EventKey: string;
  MenuId?: string;
}
export interface TemplateSendJobFinishEvent extends EventBase {
  Event: 'TEMPLATESENDJOBFINISH';
  MsgID: string;
  Status: string;
}
export interface MassSendJobFinishEvent extends EventBase {
  Event: 'MASSSENDJOBFINISH';
  MsgID: string;
  Status: string;
  TotalCount: number;
  FilterCount: number;
  SentCount: number;
  ErrorCount: number;
  CopyrightCheckResult?: XmlValue;
  ArticleUrlResult?: XmlValue;
}

export type KnownEvent =
  | SubscribeEvent
  | UnsubscribeEvent
  | ScanEvent
  | LocationEvent
  | ClickEvent
  | ViewEvent
  | ScanCodeEvent
  | PicEvent
  | LocationSelectEvent
  | ViewMiniprogramEvent
  | TemplateSendJobFinishEvent
  | MassSendJobFinishEvent;

/** An event this library has no type for (kf_*, card events, …): fields kept as parsed. */
export interface UnknownEvent extends EventBase {
  [field: string]: XmlValue | number | undefined;
}

/** A message type this library has no type for: fields kept as parsed, never rejected. */
export interface UnknownMessage extends MessageBase {
  [field: string]: XmlValue | number | undefined;
}

export type KnownMessage = UserMessage | KnownEvent;
export type WechatEvent = KnownEvent | UnknownEvent;
export type WechatMessage = KnownMessage | UnknownEvent | UnknownMessage;

export type UserMessageType = UserMessage['MsgType'];
export type KnownEventType = KnownEvent['Event'];

export const USER_MESSAGE_TYPES: readonly UserMessageType[] = [
  'text',
  'image',
  'voice',
  'video',
  'shortvideo',
  'location',
  'link',
];
export const KNOWN_EVENT_TYPES: readonly KnownEventType[] = [
  'subscribe',
  'unsubscribe',
  'SCAN',
  'LOCATION',
  'CLICK',
  'VIEW',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
  'view_miniprogram',
  'TEMPLATESENDJOBFINISH',
  'MASSSENDJOBFINISH',
];

/** Narrows a parsed message to one user-message type. */
export function isMessageType<T extends UserMessageType>(
  m: WechatMessage,
  type: T,
): m is Extract<UserMessage, { MsgType: T }> {
  return m.MsgType === type;
}

/** Narrows a parsed message to one known event. */
export function isEvent<E extends KnownEventType>(m: WechatMessage, event: E): m is Extract<KnownEvent, { Event: E }> {
  return m.MsgType === 'event' && (m as EventBase).Event === event;
}

/** True for user-sent messages (they carry MsgId and limit news replies to 1 article, §5.2). */
export function isUserMessage(m: WechatMessage): m is UserMessage {
  return (USER_MESSAGE_TYPES as readonly string[]).includes(m.MsgType);
}
