/**
 * The Content-Security-Policy of every HTML page the facade answers (the playground is the only
 * one; http-guards.ts sets it). Every script, style sheet and worker the page loads is a file
 * under /graphql/assets/ (assets.ts), so scripts need neither 'unsafe-inline' nor 'unsafe-eval'.
 */

/**
 * Scripts and workers only from our origin; styles also 'unsafe-inline' because Monaco and React
 * inject <style> elements and style attributes at run time; fonts and images are data: URLs
 * inside graphiql.css.
 */
export function playgroundCsp(nonce?: string): string {
  const scripts = nonce ? `'self' 'nonce-${nonce}'` : "'self'";
  return [
    "default-src 'self'",
    `script-src ${scripts}`,
    "worker-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

export const PLAYGROUND_CSP = playgroundCsp();
