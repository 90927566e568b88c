import assert from 'node:assert/strict';

/** Awaits a promise that must reject with an instance of `type`, and returns that error. */
export async function rejection<E extends Error>(
  p: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}
