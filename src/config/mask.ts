/** Shows enough of a secret to recognise it and never enough to use it: `ab…yz` (or `***` when short). */
export function maskSecret(s: string | undefined): string {
  if (!s) return '(none)';
  return s.length < 12 ? '***' : `${s.slice(0, 2)}…${s.slice(-2)}`;
}

/** OpenIDs are personal data: keep the start and the end for correlation. */
export function maskOpenId(s: string): string {
  return s.length <= 8 ? s : `${s.slice(0, 4)}…${s.slice(-4)}`;
}
