/** The page's stylesheet: WeChat's conversation colours for the phone, a dense table for the inspector. */
export const PAGE_CSS = `
* { box-sizing: border-box; }
html, body, #app { margin: 0; height: 100%; }
body { font: 14px/1.45 -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", system-ui, sans-serif; color: #191919; background: #f3f3f3; }
[hidden] { display: none !important; }
button { font: inherit; border: 1px solid #d0d0d0; background: #fff; border-radius: 4px; padding: 4px 10px; cursor: pointer; }
button.primary { background: #07c160; border-color: #07c160; color: #fff; }
input, select { font: inherit; padding: 5px 6px; border: 1px solid #d0d0d0; border-radius: 4px; background: #fff; }
pre { margin: 0 0 8px; padding: 8px; background: #f6f8fa; border: 1px solid #e5e5e5; border-radius: 4px; white-space: pre-wrap; word-break: break-all; font: 12px/1.4 ui-monospace, "Noto Sans Mono CJK SC", monospace; }
.top { padding: 8px 16px; background: #2e2e2e; color: #eee; }
.error { color: #fa5151; }
main { display: flex; gap: 16px; padding: 16px; height: calc(100% - 38px); }
.phone { width: 380px; flex: none; display: flex; flex-direction: column; border: 10px solid #1f1f1f; border-radius: 28px; background: #ededed; overflow: hidden; }
.phone > header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 6px; padding: 10px 12px; background: #ededed; border-bottom: 1px solid #d9d9d9; }
.phone .controls { display: flex; gap: 4px; }
.phone .controls select { font-size: 12px; padding: 2px; }
.phone .save { font-size: 12px; color: #576b95; align-self: center; white-space: nowrap; }
.chat { flex: 1; overflow-y: auto; padding: 12px 10px; }
.row { display: flex; align-items: flex-start; gap: 8px; margin: 10px 0; }
.row.user { flex-direction: row-reverse; }
.avatar { width: 36px; height: 36px; flex: none; border-radius: 4px; background: #fff; display: grid; place-items: center; color: #576b95; font-weight: bold; }
.row.user .avatar { background: #576b95; color: #fff; }
.bubble { max-width: 250px; padding: 8px 10px; border-radius: 4px; background: #fff; white-space: pre-wrap; word-break: break-word; }
.row.user .bubble { background: #95ec69; }
.bubble a { color: #576b95; }
.bubble small { display: block; color: #7f7f7f; font-size: 12px; }
.bubble.card { padding: 0; background: none; }
.bubble img.pic { max-width: 200px; display: block; }
.note, .notice { text-align: center; margin: 10px auto; color: #9e9e9e; font-size: 12px; max-width: 290px; }
.notice { background: #dadada; color: #fff; border-radius: 4px; padding: 4px 8px; width: fit-content; }
.turn.sending { opacity: .55; }
.turn.undelivered .bubble { opacity: .6; border: 1px dashed #fa5151; }
.undelivered-note { margin: -4px 0 10px 44px; max-width: 290px; color: #d93026; font-size: 12px; }
.undelivered-note small { display: block; color: #7f7f7f; }
.news { width: 250px; background: #fff; border-radius: 6px; overflow: hidden; }
.news a { color: inherit; text-decoration: none; display: block; }
.news .cover { position: relative; height: 120px; background: #cfd8dc; }
.news .cover img, .news .noimg { width: 100%; height: 100%; object-fit: cover; display: block; }
.news .cover .title { position: absolute; left: 0; right: 0; bottom: 0; padding: 6px 10px; color: #fff; background: linear-gradient(transparent, rgba(0,0,0,.6)); font-weight: 600; }
.news .desc { margin: 0; padding: 6px 10px 10px; color: #7f7f7f; font-size: 12px; white-space: normal; }
.news .item { display: flex; justify-content: space-between; gap: 8px; padding: 8px 10px; border-top: 1px solid #eee; }
.news .item img { width: 40px; height: 40px; object-fit: cover; }
.media { display: flex; flex-direction: column; gap: 2px; min-width: 160px; }
.media .icon, .music .icon { font-size: 22px; }
.media .player { width: 220px; max-height: 160px; }
.media .unplayable { color: #999; font-size: 12px; }
.music { display: flex; flex-direction: column; color: inherit; text-decoration: none; min-width: 180px; }
.composer { display: flex; gap: 6px; padding: 8px; background: #f7f7f7; border-top: 1px solid #d9d9d9; }
.composer input { flex: 1; }
.sheet { background: #f7f7f7; border-top: 1px solid #d9d9d9; padding: 8px; }
.sheet .grid { display: grid; grid-template-columns: repeat(4, 1fr); gap: 6px; }
.sheet form { display: flex; flex-direction: column; gap: 6px; }
.sheet label { display: flex; flex-direction: column; font-size: 12px; color: #555; }
.buttons { display: flex; gap: 6px; margin: 8px 0; }
.menu-wrap { position: relative; }
.menu { display: flex; border-top: 1px solid #d9d9d9; background: #f7f7f7; }
.menu > button { flex: 1; border: none; border-left: 1px solid #e0e0e0; border-radius: 0; background: none; padding: 10px 4px; }
.menu-popup { position: absolute; bottom: 100%; left: 8px; right: 8px; display: flex; flex-direction: column; background: #fff; border: 1px solid #d9d9d9; border-radius: 4px; }
.menu-popup button { border: none; border-bottom: 1px solid #eee; border-radius: 0; padding: 10px; }
.inspector { flex: 1; min-width: 0; display: flex; flex-direction: column; background: #fff; border: 1px solid #ddd; border-radius: 6px; }
.inspector > header { padding: 8px 12px; border-bottom: 1px solid #eee; display: flex; justify-content: space-between; }
.rows { height: 34%; min-height: 120px; overflow-y: auto; border-bottom: 1px solid #eee; }
.spacer { position: relative; }
.exchange { height: 28px; display: flex; align-items: center; gap: 10px; padding: 0 12px; cursor: pointer; white-space: nowrap; font-size: 13px; border-left: 3px solid #07c160; }
.exchange.warn { border-left-color: #ffc300; }
.exchange.bad { border-left-color: #fa5151; }
.exchange.selected { background: #e8f5ee; }
.exchange .label { flex: 1; overflow: hidden; text-overflow: ellipsis; }
.exchange .time, .exchange .ms, .exchange .user { color: #888; font-variant-numeric: tabular-nums; }
.exchange .src { font-size: 11px; color: #576b95; width: 36px; }
.detail { flex: 1; overflow-y: auto; padding: 8px 12px; }
.detail h3 { margin: 4px 0; font-size: 15px; }
.detail h4 { margin: 10px 0 4px; font-size: 13px; color: #555; }
.meta, .hint { color: #888; font-size: 12px; margin: 0 0 6px; }
.timing { position: relative; height: 18px; background: #f0f0f0; border-radius: 3px; font-size: 12px; }
.timing .bar { position: absolute; inset: 0 auto 0 0; background: #b7ebcb; border-radius: 3px; }
.timing .bar.warn { background: #ffe58f; }
.timing .bar.bad { background: #ffb3b3; }
.timing span { position: relative; padding-left: 6px; }
.deliveries { margin: 6px 0 0; padding-left: 18px; font-size: 12px; color: #666; }
.problems li { color: #d93026; }
.verdict { margin: 4px 0 8px; font-size: 13px; }
.verdict.ok { color: #07a050; }
.warnings li { color: #a66b00; }
.exchange:focus-visible { outline: 2px solid #576b95; outline-offset: -2px; }
/* A phone-sized window: the phone takes the width and most of the height, the inspector follows below. */
@media (max-width: 720px) {
  .top { overflow-wrap: anywhere; }
  main { flex-direction: column; height: auto; padding: 8px; gap: 12px; }
  .phone { width: 100%; height: calc(100vh - 90px); min-height: 420px; border-width: 6px; border-radius: 18px; }
  .bubble, .news { max-width: calc(100vw - 120px); }
  .inspector { flex: none; height: calc(100vh - 16px); min-height: 420px; }
  .exchange .user, .exchange .src { display: none; }
}
`;
