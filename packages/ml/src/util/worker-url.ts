/**
 * URL of a worker script that sits beside the calling module. Worker threads need compiled
 * JavaScript, so when the caller runs from TypeScript sources (tests), the compiled twin in
 * `dist/` is used; `npm test` builds before it runs.
 */
export function workerUrl(callerUrl: string, relative: string): URL {
  const url = new URL(relative, callerUrl);
  if (callerUrl.endsWith('.ts')) url.pathname = url.pathname.replace('/src/', '/dist/');
  return url;
}
