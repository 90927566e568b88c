/** Appends WeChat's query to a URL that may already carry one of its own; values are percent-encoded. */
export function withQuery(url: string, query: Record<string, string>): string {
  const qs = Object.entries(query)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return url + (url.includes('?') ? '&' : '?') + qs;
}
