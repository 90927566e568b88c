/**
 * Why a latitude or longitude is not one a phone could report (beyond ±90 / ±180), or undefined
 * when it is. One rule for every place a location is typed: `wxbot simulate`, its chat, `.convo` files
 * and the phone of `wxbot ui`.
 */
export function coordinateProblem(value: number, axis: 'lat' | 'lng'): string | undefined {
  const limit = axis === 'lat' ? 90 : 180;
  return Math.abs(value) <= limit ? undefined : `${axis} must be from -${limit} to ${limit}, got ${value}`;
}
