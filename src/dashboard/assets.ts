/**
 * The chart library the status page inlines: uPlot's minified browser build and its stylesheet, read from the
 * `uplot` package once, at the first request, and kept in memory.
 *
 * Why read it from node_modules instead of copying it into dist/ at build time: `uplot` is a runtime dependency, so
 * it is present wherever the app runs — under tsx (`npm start`, tests), from dist/ after `npm run build`, and on
 * Azure Functions, whose deployment package holds production node_modules but no build-time copies outside dist/.
 * require.resolve finds it the same way in all three, with no extra build step to forget. Inlining it (instead of a
 * second route) keeps the page one self-contained response that needs no CDN and no extra function-key handling, and
 * lets the Content-Security-Policy allow exactly these bytes by their hash.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface InlineAsset {
  text: string;
  /** `'sha256-…'` as a Content-Security-Policy source expression for exactly this text. */
  cspHash: string;
}

export function inlineAsset(text: string): InlineAsset {
  return { text, cspHash: `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'` };
}

export interface ChartLibrary {
  script: InlineAsset;
  style: InlineAsset;
}

let cached: ChartLibrary | undefined;

function readPackageFile(path: string): string {
  let resolved: string;
  try {
    resolved = require.resolve(path);
  } catch {
    throw new Error(
      `The status page needs the "uplot" package (${path}), which is missing: run "npm install" ` +
        '(it is a runtime dependency and must be deployed with production node_modules).',
    );
  }
  const text = readFileSync(resolved, 'utf8');
  // Inlined inside <script>/<style>: a closing tag in the file would end the element early.
  if (/<\/(script|style)/i.test(text)) throw new Error(`${path} contains a closing script/style tag.`);
  return text;
}

export function chartLibrary(): ChartLibrary {
  cached ??= {
    script: inlineAsset(readPackageFile('uplot/dist/uPlot.iife.min.js')),
    style: inlineAsset(readPackageFile('uplot/dist/uPlot.min.css')),
  };
  return cached;
}
