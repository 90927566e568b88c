import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** How the running wxbot was installed, and the dependency spec a new project should use for it. */
export interface WxbotSource {
  /** What goes into the new project's package.json: `^0.1.0`, or `file:/home/me/wxbot`. */
  spec: string;
  /** `registry`: installed from an npm registry; `directory`: a clone, an unpacked package, a tarball or link install. */
  kind: 'registry' | 'directory';
  /** The real directory of the running wxbot. */
  root: string;
}

/**
 * The dependency spec that `npm install` in a new project can satisfy with the wxbot that is running:
 * the registry range when this wxbot came from a registry, otherwise a `file:` spec to its own directory
 * (a clone, or a package unpacked from a tarball), which is not on any registry under that version.
 *
 * npm records how it installed each package in the hidden lockfile `node_modules/.package-lock.json`
 * (local, global and npx installs alike); a `resolved` URL over http(s) means a registry. Inside a
 * node_modules with no such record (another package manager), a registry is the likely source.
 */
export function wxbotSource(packageRoot: string, version: string): WxbotSource {
  const root = realpathSync(packageRoot);
  const registry: WxbotSource = { spec: `^${version}`, kind: 'registry', root };
  const directory: WxbotSource = { spec: `file:${root}`, kind: 'directory', root };
  const modules = enclosingNodeModules(root);
  if (!modules) return directory;
  return npmRecordedSource(modules, root) === 'directory' ? directory : registry;
}

/** The outermost `node_modules` directory `root` is inside of, if any. */
function enclosingNodeModules(root: string): string | undefined {
  const parts = root.split(sep);
  const at = parts.indexOf('node_modules');
  return at < 0 ? undefined : parts.slice(0, at + 1).join(sep);
}

/**
 * What npm's hidden lockfile says about the package at `root`: `registry` for a `resolved` http(s) URL
 * (or none: npm can be told to leave registry URLs out), `directory` for anything else (a tarball),
 * undefined when there is no record.
 */
function npmRecordedSource(modules: string, root: string): WxbotSource['kind'] | undefined {
  const lockfile = join(modules, '.package-lock.json');
  if (!existsSync(lockfile)) return undefined;
  let lock: { packages?: Record<string, { resolved?: string }> };
  try {
    lock = JSON.parse(readFileSync(lockfile, 'utf8'));
  } catch {
    return undefined; // an unreadable lockfile says nothing
  }
  const entry = lock.packages?.[relative(dirname(modules), root).split(sep).join('/')];
  if (!entry) return undefined;
  return entry.resolved === undefined || /^https?:\/\//.test(entry.resolved) ? 'registry' : 'directory';
}
