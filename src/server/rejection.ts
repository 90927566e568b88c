import { WxbotError } from '../protocol/errors.js';

/** A request the server refuses: the HTTP status and a short plain-text reason (never a secret). */
export class HttpRejection extends WxbotError {
  readonly status: number;
  constructor(status: number, reason: string, options?: { cause?: unknown }) {
    super(`HTTP_${status}`, reason, options);
    this.name = 'HttpRejection';
    this.status = status;
  }
}
