// Loaded by test/run.mjs (--import) into every test process: a default timeout for each test and hook,
// so a hang fails with the test's name instead of stalling the run. On Node 20 `--test-timeout` bounds
// a whole file, not each test (Node 22 changed that), hence this wrapper around node:test's exports.
// A test's own `timeout` option wins. WXBOT_TEST_TIMEOUT_MS overrides the default (60 s).
import { createRequire, syncBuiltinESMExports } from 'node:module';

const TIMEOUT_MS = Number(process.env.WXBOT_TEST_TIMEOUT_MS) || 60_000;
const nodeTest = createRequire(import.meta.url)('node:test');

/** test(name?, options?, fn?): the options object gets a timeout unless it has one. */
function withTimeout(original) {
  const wrapped = function (...args) {
    const at = args.findIndex((a) => a !== null && typeof a === 'object');
    if (at === -1) {
      const fn = args.findIndex((a) => typeof a === 'function');
      args.splice(fn === -1 ? args.length : fn, 0, { timeout: TIMEOUT_MS });
    } else if (args[at].timeout === undefined) {
      args[at] = { ...args[at], timeout: TIMEOUT_MS };
    }
    return original.apply(this, args);
  };
  // test.skip, test.only, test.todo keep working (a skipped or todo test cannot hang).
  return Object.assign(wrapped, original);
}

/** before(fn, options?) and the other hooks. */
function hookWithTimeout(original) {
  return function (fn, options) {
    return original.call(this, fn, options?.timeout === undefined ? { ...options, timeout: TIMEOUT_MS } : options);
  };
}

nodeTest.test = withTimeout(nodeTest.test);
nodeTest.it = withTimeout(nodeTest.it);
for (const hook of ['before', 'after', 'beforeEach', 'afterEach']) nodeTest[hook] = hookWithTimeout(nodeTest[hook]);
// Named imports (`import { test } from 'node:test'`) read these from now on.
syncBuiltinESMExports();
