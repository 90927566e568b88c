/**
 * What the UI server and the page say to each other (JSON over HTTP and server-sent events). Types
 * only: the page (src/ui/web, compiled with the DOM library) imports them too.
 */

export type UiMode = 'plain' | 'compat' | 'safe';

/** A message or event as WeChat pushes it, with WeChat's field names (MsgType, Content, EventKey…). */
export type UiMessage = { MsgType: string; FromUserName: string; ToUserName: string } & Record<string, unknown>;

/**
 * What the user sees after a push: the reply, nothing (`success`/empty), or WeChat's service notice.
 * `unseen`: a reply WeChat accepts but never shows (to VIEW, unsubscribe…); the phone draws no bubble.
 */
export type UiOutcome =
  | { kind: 'reply'; reply: { MsgType: string } & Record<string, unknown>; unseen?: true }
  | { kind: 'none' }
  | { kind: 'notice'; why: string };

/** One row of the inspector, and what the phone needs to draw the conversation. */
export interface ExchangeSummary {
  id: number;
  /** Epoch ms. */
  time: number;
  /** `phone`: sent from this page; `server`: seen by `wxbot serve` (real WeChat, `wxbot simulate`…). */
  source: 'phone' | 'server';
  /** The user's OpenID (FromUserName), or '' when the request carried no readable message. */
  user: string;
  mode: UiMode;
  /** E.g. `text 你好`, `event CLICK V1001_TODAY_MUSIC`, `GET verify`. */
  label: string;
  message: UiMessage | null;
  outcome: UiOutcome;
  /** HTTP status of the answer; null when none came. */
  status: number | null;
  ms: number;
  problems: number;
  warnings: number;
  /** The exchange this one replays. */
  replayOf?: number;
  /**
   * A late answer `wxbot serve` sent through the customer-service API after answering `success`: no
   * request of its own (`message` is null, `outcome` the answer), drawn as a new message from the account.
   */
  customService?: UiCustomService;
}

/** What became of a late answer sent through the customer-service API. */
export interface UiCustomService {
  /** WeChat accepted it (errcode 0): the follower gets it now. */
  sent: boolean;
  /** The masked OpenID it went to. */
  to: string;
  /** WeChat's errcode when it refused; absent when accepted or when it never reached WeChat. */
  errcode?: number;
  /** Why it was not delivered, in a few words (the errcode's meaning, or why wxbot did not send it). */
  why?: string;
  /** What to do about it (or what wxbot did with the answer). */
  hint?: string;
}

/** Everything the inspector shows for the selected exchange. */
export interface ExchangeDetail extends ExchangeSummary {
  method: string;
  /** The URL as signed (query included). */
  url: string;
  query: Record<string, string>;
  /** The body as sent: the encrypted envelope in compat and safe mode. */
  requestBody: string;
  /** The message as plaintext XML, when it differs from the body (encrypted modes). */
  requestXml: string | null;
  /** The answer exactly as received. */
  replyBody: string | null;
  /** The plaintext reply XML, when the answer was encrypted. */
  replyXml: string | null;
  problemList: string[];
  warningList: string[];
  /** WeChat's limit the timing is measured against. */
  limitMs: number;
  /** When the phone delivered the push more than once (no answer in time): each delivery, in order. */
  deliveries?: UiDelivery[];
}

/** One delivery of a push the phone made: `timeout` and `dropped` are what makes WeChat deliver again. */
export interface UiDelivery {
  attempt: number;
  outcome: 'answered' | 'timeout' | 'dropped' | 'unreachable';
  status: number | null;
  ms: number;
}

export interface MenuButtonSpec {
  type?: string;
  name: string;
  key?: string;
  url?: string;
  appid?: string;
  pagepath?: string;
  media_id?: string;
  article_id?: string;
  sub_button?: MenuButtonSpec[];
}

/** Set once when the page opens. */
export interface UiState {
  /**
   * Changes with every run of wxbot; not secret (unlike the key). A page that reconnects after a
   * restart finds out that it belongs to an earlier run, whose key the new one refuses.
   */
  run: string;
  /** The webhook the phone talks to. */
  target: string;
  /** The account's 原始ID the phone writes to (ToUserName). */
  account: string;
  users: string[];
  /** Modes the phone can send in (compat/safe need the EncodingAESKey). */
  modes: UiMode[];
  mode: UiMode;
  menu: { button: MenuButtonSpec[] } | null;
  /** Where the menu came from, for the page's tooltip. */
  menuSource: string | null;
  /** How many exchanges the server keeps (older ones fall off). */
  capacity: number;
  /** Whether `save conversation` is available (a .convo for `wxbot test`). */
  canSaveConvo: boolean;
}

/** What the phone asks the server to push. `kind` is a message kind or a menu event. */
export interface SendRequest {
  user: string;
  mode: UiMode;
  kind: string;
  [field: string]: unknown;
}

/** Server-sent events: a new exchange, or how many events a slow page missed (refetch the list). */
export type UiEvent = { type: 'exchange'; exchange: ExchangeSummary } | { type: 'dropped'; count: number };
