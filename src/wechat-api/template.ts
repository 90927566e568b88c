/**
 * Template messages (模板消息): the way to reach a follower outside the customer-service window
 * (after 45015/45047). A template's content names its fields (`{{first.DATA}}`, `{{keyword1.DATA}}`);
 * when the template is known, `data` is checked against them before anything is sent.
 */
import type { WechatApi } from './client.js';
import { WechatApiError } from './errors.js';

export interface Template {
  template_id: string;
  title: string;
  primary_industry?: string;
  deputy_industry?: string;
  /** E.g. "{{first.DATA}}\n订单号：{{keyword1.DATA}}\n{{remark.DATA}}". */
  content: string;
  example?: string;
}

export interface TemplateField {
  value: string;
  color?: string;
}

export interface TemplateMessage {
  touser: string;
  template_id: string;
  /** Opened when the user taps the message. */
  url?: string;
  /** Opened instead of `url` when the client supports mini programs. */
  miniprogram?: { appid: string; pagepath?: string };
  /** Makes a retried send idempotent (WeChat drops a second message with the same id). */
  client_msg_id?: string;
  data: Record<string, TemplateField>;
}

export interface TemplateProblem {
  field: string;
  message: string;
}

export class TemplateValidationError extends WechatApiError {
  readonly problems: TemplateProblem[];
  constructor(templateId: string, problems: TemplateProblem[]) {
    super(
      'TEMPLATE_INVALID',
      `the data does not fit template ${templateId} (${problems.length} problem(s)):\n${problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`,
    );
    this.name = 'TemplateValidationError';
    this.problems = problems;
  }
}

/** The field names a template's content asks for, in order: `{{name.DATA}}` → name. */
export function templateFields(content: string): string[] {
  const out: string[] = [];
  for (const m of content.matchAll(/\{\{\s*([A-Za-z0-9_]+)\.DATA\s*\}\}/g)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

const COLOR = /^#[0-9A-Fa-f]{6}$/;

/** Problems of `data` against a template's content: missing fields, unknown fields, bad colours. */
export function checkTemplateData(
  template: Pick<Template, 'content'>,
  data: Record<string, TemplateField>,
): TemplateProblem[] {
  const fields = templateFields(template.content);
  const problems: TemplateProblem[] = [];
  for (const f of fields)
    if (data[f] === undefined) problems.push({ field: f, message: 'missing: the template shows this field' });
  for (const [k, v] of Object.entries(data)) {
    if (!fields.includes(k))
      problems.push({ field: k, message: `not in the template (its fields: ${fields.join(', ') || 'none'})` });
    else if (typeof v?.value !== 'string') problems.push({ field: k, message: 'needs a string value' });
    if (v?.color !== undefined && !COLOR.test(v.color))
      problems.push({ field: k, message: `color ${JSON.stringify(v.color)} is not #RRGGBB` });
  }
  return problems;
}

/** The account's templates (`get_all_private_template`). */
export async function listTemplates(api: WechatApi): Promise<Template[]> {
  const res = await api.call('/cgi-bin/template/get_all_private_template', { method: 'GET' });
  return Array.isArray(res.template_list) ? (res.template_list as Template[]) : [];
}

/**
 * Sends a template message and returns WeChat's msgid (the TEMPLATESENDJOBFINISH event reports
 * its fate). With `template`, the data is checked first and nothing is sent when it does not fit.
 */
export async function sendTemplateMessage(
  api: WechatApi,
  message: TemplateMessage,
  template?: Pick<Template, 'content'>,
): Promise<string> {
  if (template) {
    const problems = checkTemplateData(template, message.data);
    if (problems.length > 0) throw new TemplateValidationError(message.template_id, problems);
  }
  if (message.url !== undefined && !/^https?:\/\//i.test(message.url)) {
    throw new TemplateValidationError(message.template_id, [
      { field: 'url', message: 'must be an http:// or https:// URL' },
    ]);
  }
  const res = await api.call('/cgi-bin/message/template/send', { method: 'POST', body: message });
  return String(res.msgid ?? '');
}
