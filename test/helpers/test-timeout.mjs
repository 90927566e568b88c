// Loaded by test/run.mjs (--import) into every test process: a default timeout for each test and hook,
// so a hang fails with the test's name instead of stalling the run. On Node 20 `--test-timeout` bounds
// a whole file, not each test (Node 22 changed that), hence this wrapper around node:test's named
// exports (`import { test } from 'node:test'`; the default export is left alone). A test's own
// `timeout` option wins; WXBOT_TEST_TIMEOUT_MS overrides the default of 120 s (generous: a busy two-core machine runs some tests for a minute).
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { compileFunction } from 'node:vm';

const TIMEOUT_MS = Number(process.env.WXBOT_TEST_TIMEOUT_MS) || 120_000;
const nodeTest = createRequire(import.meta.url)('node:test');

/** test(name?, options?, fn?): the options object gets a timeout unless it has one. */
function testWithTimeout(original) {
  const wrapped = (...args) => {
    const at = args.findIndex((a) => a !== null && typeof a === 'object');
    if (at === -1) {
      const fn = args.findIndex((a) => typeof a === 'function');
      args.splice(fn === -1 ? args.length : fn, 0, { timeout: TIMEOUT_MS });
    } else if (args[at].timeout === undefined) {
      args[at] = { ...args[at], timeout: TIMEOUT_MS };
    }
    return callFromCaller(wrapped, original, args);
  };
  // test.skip, test.only, test.todo keep working (a skipped or todo test cannot hang).
  return Object.assign(wrapped, original);
}

/** before(fn, options?) and the other hooks. */
function hookWithTimeout(original) {
  const wrapped = (fn, options) =>
    callFromCaller(wrapped, original, [
      fn,
      options?.timeout === undefined ? { ...options, timeout: TIMEOUT_MS } : options,
    ]);
  return wrapped;
}

// node:test records where a test was declared (the file in reports, "test at file:line" on failure)
// as the place its function was called from: this module, once wrapped. So the original is called
// from a one-line function compiled at the caller's own file, line and column.
const trampolines = new Map();

function callFromCaller(wrapper, original, args) {
  const site = callerOf(wrapper);
  const file = site?.getFileName();
  if (!file) return original(...args);
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  const key = `${file}:${line}:${column}`;
  let call = trampolines.get(key);
  if (!call) {
    // `return ` is 7 characters: the call `f(` then starts at the caller's column.
    call = compileFunction('return f(...a)', ['f', 'a'], {
      filename: file,
      lineOffset: line - 1,
      columnOffset: column - 1 - 7,
    });
    trampolines.set(key, call);
  }
  return call(original, args);
}

/** The V8 call site that called `fn` (raw positions, as node:test reads them). */
function callerOf(fn) {
  const prepare = Error.prepareStackTrace;
  Error.prepareStackTrace = (_error, sites) => sites;
  try {
    const holder = {};
    Error.captureStackTrace(holder, fn);
    return holder.stack[0];
  } finally {
    Error.prepareStackTrace = prepare;
  }
}

nodeTest.test = testWithTimeout(nodeTest.test);
nodeTest.it = testWithTimeout(nodeTest.it);
for (const hook of ['before', 'after', 'beforeEach', 'afterEach']) nodeTest[hook] = hookWithTimeout(nodeTest[hook]);
// Named imports read these from now on.
syncBuiltinESMExports();
