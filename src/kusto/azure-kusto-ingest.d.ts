/**
 * azure-kusto-ingest 7 is ESM-only and publishes its typings only through package.json `exports`, which this
 * project's CommonJS `moduleResolution: node` does not read. Node 20.19+ loads it through `require(esm)`; this
 * declaration points the type checker at the package's own .d.ts files so callers stay fully typed.
 */
declare module 'azure-kusto-ingest' {
  export * from 'azure-kusto-ingest/types/src/index';
}
