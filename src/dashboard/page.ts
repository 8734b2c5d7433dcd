/**
 * The status page as one HTML document: the page's stylesheet and script and the chart library inlined, and the
 * Content-Security-Policy that allows exactly those inline blocks (by hash) and requests to this origin only.
 */
import { chartLibrary, inlineAsset, type InlineAsset } from './assets';
import { CLIENT_SCRIPT } from './client';
import { PAGE_STYLE } from './style';

export interface DashboardPage {
  html: string;
  contentSecurityPolicy: string;
}

let own: { script: InlineAsset; style: InlineAsset } | undefined;

/**
 * `refreshSeconds` goes into a data attribute rather than the script, so the script (and its hash) never changes.
 * The API calls are same-origin fetches to the routes next to the page (connect-src 'self'); on Azure with App
 * Service authentication they carry the session cookie the page was loaded with.
 */
export function renderDashboardPage(options: { refreshSeconds: number }): DashboardPage {
  const lib = chartLibrary();
  own ??= { script: inlineAsset(CLIENT_SCRIPT), style: inlineAsset(PAGE_STYLE) };
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${lib.script.cspHash} ${own.script.cspHash}`,
    `style-src ${lib.style.cspHash} ${own.style.cspHash}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>O365 alert pipeline status</title>
<style>${lib.style.text}</style>
<style>${own.style.text}</style>
</head>
<body data-refresh="${Math.round(options.refreshSeconds)}">
<header class="top"><h1>O365 alert pipeline</h1><span class="meta" id="updated">loading…</span></header>
<div id="banner" role="alert" hidden></div>
<main id="tenants"></main>
<script>${lib.script.text}</script>
<script>${own.script.text}</script>
</body>
</html>`;
  return { html, contentSecurityPolicy };
}
