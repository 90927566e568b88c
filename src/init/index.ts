/** `wxbot init`: a bot project a newcomer can run at once (package.json, bot.mjs, .env with fresh keys). */
export { scaffoldProject, packageNameFor, InitError, type ScaffoldOptions, type ScaffoldResult } from './scaffold.js';
export {
  botModule,
  envFile,
  gitignore,
  packageJson,
  readme,
  PLACEHOLDER_APP_ID,
  type TemplateInput,
} from './templates.js';
export { wxbotSource, type WxbotSource } from './wxbot-spec.js';
