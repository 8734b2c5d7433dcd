/**
 * The local stack (docs/local-stand-ins.md): `startStack()` for tests and tools, and `npm start` when run directly.
 * The pieces live in local/stack/: settings (which stand-ins, which app settings), index (start/close),
 * console-view (the live progress view) and main (the `npm start` entry).
 */
export * from './stack/index';
export { main } from './stack/main';

import { main } from './stack/main';

if (require.main === module) main(__filename);
