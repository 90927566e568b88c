// The documentation as a set of pages that hold together: every relative link of README*.md and
// docs/ reaches a file, and a heading (or `<a id>`) when it names an anchor; every page is in the
// index; the front doors stay small and point at each other.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { docFiles, REPO_ROOT } from './extract.js';
import { anchors, isExternal, links, slug } from './markdown.js';

const DOCS = docFiles();
const byPath = new Map(DOCS.map((f) => [f.path, f]));
const anchorsOf = new Map<string, Set<string>>();
function anchorsFor(path: string): Set<string> {
  const known = anchorsOf.get(path);
  if (known) return known;
  const found = anchors(byPath.get(path)!.text);
  anchorsOf.set(path, found);
  return found;
}

/** What is wrong with one link of `from`, or undefined when it resolves. */
function problem(from: string, target: string): string | undefined {
  const hash = target.indexOf('#');
  const file = decodeURI(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const path =
    file === ''
      ? from
      : normalize(join(dirname(from), file))
          .split('\\')
          .join('/');
  if (path.startsWith('..')) return `${target} leaves the repository`;
  const abs = join(REPO_ROOT, path);
  if (!existsSync(abs)) return `${target}: no file ${path}`;
  if (anchor === undefined) return undefined;
  if (statSync(abs).isDirectory() || !path.endsWith('.md'))
    return `${target}: an anchor into something that is not a page`;
  if (!byPath.has(path)) return `${target}: ${path} is not one of the documentation pages`;
  return anchorsFor(path).has(anchor) ? undefined : `${target}: ${path} has no heading with the anchor #${anchor}`;
}

test('every relative link in README*.md and docs/ resolves to a file, and to a heading when it has an anchor', () => {
  let checked = 0;
  const broken: string[] = [];
  for (const f of DOCS) {
    for (const l of links(f.text)) {
      if (isExternal(l.target)) continue;
      checked++;
      const p = problem(f.path, l.target);
      if (p) broken.push(`${f.path}:${l.at}: ${p}`);
    }
  }
  assert.ok(checked > 150, `only ${checked} relative links found: is the link reader broken?`);
  assert.deepEqual(broken, []);
});

test('every page under docs/ is linked from the index, docs/README.md', () => {
  const index = byPath.get('docs/README.md');
  assert.ok(index, 'docs/README.md exists');
  const listed = new Set(
    links(index.text)
      .filter((l) => !isExternal(l.target))
      .map((l) =>
        normalize(join('docs', l.target.split('#')[0]!))
          .split('\\')
          .join('/'),
      ),
  );
  const missing = DOCS.map((f) => f.path).filter(
    (p) => p.startsWith('docs/') && p !== 'docs/README.md' && !listed.has(p),
  );
  assert.deepEqual(missing, [], 'add a line for each of these pages to docs/README.md');
});

test('README.md is a front door of at most 15 KB, and README.md and README.zh-CN.md link to each other', () => {
  const en = byPath.get('README.md')!;
  assert.ok(Buffer.byteLength(en.text) <= 15 * 1024, `README.md is ${Buffer.byteLength(en.text)} bytes`);
  const zh = byPath.get('README.zh-CN.md');
  assert.ok(zh, 'README.zh-CN.md exists');
  assert.ok(Buffer.byteLength(zh.text) <= 15 * 1024, `README.zh-CN.md is ${Buffer.byteLength(zh.text)} bytes`);
  assert.ok(links(en.text).some((l) => l.target === 'README.zh-CN.md'));
  assert.ok(links(zh.text).some((l) => l.target === 'README.md'));
});

test('anchors are made as GitHub makes them, Chinese headings included', () => {
  assert.equal(
    slug('`wxbot simulate` and `wxbot sign`: play WeChat on your laptop'),
    'wxbot-simulate-and-wxbot-sign-play-wechat-on-your-laptop',
  );
  assert.equal(slug('"Token验证失败" when you click 提交'), 'token验证失败-when-you-click-提交');
  assert.equal(slug('“该公众号暂时无法提供服务，请稍后再试”'), '该公众号暂时无法提供服务请稍后再试');
  assert.equal(slug('3.5 msg_signature'), '35-msg_signature');
  assert.equal(slug('The three encryption modes (消息加解密方式)'), 'the-three-encryption-modes-消息加解密方式');
  assert.equal(slug('[Link](x.md) text'), 'link-text');
  const page = '# A\n\n## Same\n\n```sh\n# not a heading\n```\n\n## Same\n\n<a id="custom"></a>\n';
  assert.deepEqual([...anchors(page)], ['a', 'same', 'same-1', 'custom']);
  assert.deepEqual(
    links('[a](x.md#b) `[c](d.md)` <https://e.f> [g]: h.md\n[i]: j.md "t"\n```\n[k](l.md)\n```').map((l) => l.target),
    ['x.md#b', 'j.md'],
  );
});
