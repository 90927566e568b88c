// The active WeChat API: access_token, customer-service messages (late replies), menus.
export { AccessTokenManager, type AccessTokenOptions } from './access-token.js';
export { WechatApi, createWechatApi, type CallOptions, type WechatApiOptions } from './client.js';
export {
  ERRCODE_MEANINGS,
  TOKEN_REJECTED_ERRCODES,
  WechatApiError,
  type WechatApiErrorCode,
  type WechatApiErrorDetails,
} from './errors.js';
export { DEFAULT_API_BASE, type WechatJson } from './http.js';
export { CUSTOM_SEND_API, customMessageFor, sendCustomMessage, type CustomMessage } from './custom-message.js';
export { replyWindowFor, type ReplyWindow } from './reply-window.js';
export {
  createLateReplySender,
  type LateReplyDropReason,
  type LateReplyLog,
  type LateReplyOptions,
  type LateReplySender,
} from './late-reply.js';
export { createMenu, deleteMenu, getMenu, MenuValidationError, type CurrentMenu } from './menu.js';
export {
  MENU_BUTTON_TYPES,
  menuForCreate,
  validateMenu,
  type Menu,
  type MenuButton,
  type MenuProblem,
} from './menu-validate.js';
