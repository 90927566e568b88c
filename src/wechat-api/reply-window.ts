/**
 * When the customer-service API may write to a user (protocol.md §6.3): 5 messages within 48 h
 * after a user message; 3 within 1 minute after a menu click (click / scancode_push /
 * scancode_waitmsg), a follow, or a QR scan. Anything else opens no window.
 */
import { isUserMessage, type WechatMessage } from '../protocol/messages.js';

export interface ReplyWindow {
  /** What opened it: the user's MsgType, or the event's name. */
  trigger: string;
  /** The window in words, for logs: "the 48 h window after the user's text message". */
  label: string;
  /** Unique per interaction: the key its count is kept under. */
  id: string;
  opensAt: number;
  closesAt: number;
  limit: number;
}

const EVENT_WINDOW_EVENTS = new Set(['CLICK', 'scancode_push', 'scancode_waitmsg', 'subscribe', 'SCAN']);
const MESSAGE_WINDOW_MS = 48 * 3_600_000;
const EVENT_WINDOW_MS = 60_000;

export function replyWindowFor(message: WechatMessage): ReplyWindow | undefined {
  const opensAt = message.CreateTime * 1000;
  if (isUserMessage(message)) {
    return {
      trigger: message.MsgType,
      label: `the 48 h window after the user's ${message.MsgType} message`,
      id: `msg:${message.MsgId}`,
      opensAt,
      closesAt: opensAt + MESSAGE_WINDOW_MS,
      limit: 5,
    };
  }
  const event = message.MsgType === 'event' ? String((message as { Event?: unknown }).Event ?? '') : '';
  if (EVENT_WINDOW_EVENTS.has(event)) {
    return {
      trigger: event,
      label: `the 1 min window after the ${event} event`,
      id: `evt:${event}:${message.CreateTime}`,
      opensAt,
      closesAt: opensAt + EVENT_WINDOW_MS,
      limit: 3,
    };
  }
  return undefined;
}
