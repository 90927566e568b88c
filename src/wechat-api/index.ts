// The active WeChat API: access_token, customer-service messages (late replies), menus, media, QR codes, templates.
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
  type LateReplyResult,
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
export {
  checkMedia,
  defaultTypeFor,
  FORMAT_FILES,
  MEDIA_LIMITS,
  MEDIA_TYPES,
  MediaValidationError,
  sniffFormat,
  type MediaFormat,
  type MediaLimit,
  type MediaType,
} from './media-limits.js';
export {
  addMaterial,
  countMaterials,
  deleteMaterial,
  getMaterial,
  getTempMedia,
  listMaterials,
  uploadTempMedia,
  type AddedMaterial,
  type DownloadedMedia,
  type MaterialCount,
  type MaterialItem,
  type MaterialPage,
  type MediaFile,
  type UploadedMedia,
  type VideoDescription,
} from './media.js';
export {
  createMediaReplies,
  isLocalMediaId,
  resolveLocalMedia,
  type LocalMedia,
  type MediaLog,
  type MediaReplies,
  type MediaRepliesOptions,
  type MediaSource,
} from './media-cache.js';
export {
  createQrCode,
  DEFAULT_QRCODE_IMAGE_BASE,
  downloadQrCode,
  QR_MAX_EXPIRE_SECONDS,
  qrCodeBody,
  qrCodeImageUrl,
  QrCodeValidationError,
  type QrCode,
  type QrCodeRequest,
} from './qrcode.js';
export {
  checkTemplateData,
  listTemplates,
  sendTemplateMessage,
  templateFields,
  TemplateValidationError,
  type Template,
  type TemplateField,
  type TemplateMessage,
  type TemplateProblem,
} from './template.js';
export type { MediaCallOptions } from './client.js';
export type { FormPart, MediaAnswer } from './http-media.js';
