/**
 * Tunnels: make the local server reachable by WeChat, then check it the way WeChat will.
 * `createNgrokProvider` (default, @ngrok/ngrok loaded lazily) and `createPublicUrlProvider`
 * (frp, cpolar, 花生壳, your own domain) both implement `TunnelProvider`.
 */
export type { OpenOptions, Tunnel, TunnelProvider, TunnelStatus } from './provider.js';
export { TunnelError, NGROK_AUTHTOKEN_URL, type TunnelErrorCode } from './errors.js';
export {
  createNgrokProvider,
  ngrokConfig,
  normalizeDomain,
  DEFAULT_NGROK_TIMEOUT_MS,
  type NgrokOptions,
  type NgrokSdk,
} from './ngrok.js';
export { explainNgrokError, type NgrokErrorContext } from './ngrok-errors.js';
export { createPublicUrlProvider, parsePublicUrl, publicUrlWarnings, callbackUrl } from './public-url.js';
export { probeLocalPort } from './probe.js';
export {
  consoleSettings,
  renderPasteBox,
  isPlaceholderAppId,
  CONSOLE_MODE_LABELS,
  type ConsoleSettings,
  type SettingsInput,
  type ConsoleEncryptionMode,
} from './console-settings.js';
export {
  selfCheck,
  explainTunnelResponse,
  type SelfCheckOptions,
  type SelfCheckResult,
  type SelfCheckStep,
} from './self-check.js';
