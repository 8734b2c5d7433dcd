/**
 * The two response shapes azure-kusto-data parses: v1 (management commands, streaming ingest) and v2 frames
 * (queries). Column types go out in lower case: the SDK converts datetime/timespan values only when `ColumnType`
 * is exactly `datetime`/`timespan` (reference: kusto-protocol.md).
 */
import { type Column, toWire, V1_DATA_TYPE } from './types';

/** A result table in evaluated form (values as the evaluator holds them). */
export interface ResultTable {
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly unknown[])[];
}

export function wireRows(table: ResultTable): unknown[][] {
  return table.rows.map((row) => table.columns.map((c, i) => toWire(row[i], c.type)));
}

export interface V1Response {
  Tables: {
    TableName: string;
    Columns: { ColumnName: string; DataType: string; ColumnType: string }[];
    Rows: unknown[][];
  }[];
}

/** One primary table; the SDK takes a lone table as PrimaryResult. */
export function v1Response(table: ResultTable): V1Response {
  return {
    Tables: [
      {
        TableName: 'Table_0',
        Columns: table.columns.map((c) => ({
          ColumnName: c.name,
          DataType: V1_DATA_TYPE[c.type],
          ColumnType: c.type,
        })),
        Rows: wireRows(table),
      },
    ],
  };
}

export type V2Frame = Record<string, unknown>;

export function v2Response(tables: readonly ResultTable[]): V2Frame[] {
  const frames: V2Frame[] = [
    {
      FrameType: 'DataSetHeader',
      IsProgressive: false,
      Version: 'v2.0',
      IsFragmented: false,
      ErrorReportingPlacement: 'EndOfTable',
    },
  ];
  tables.forEach((table, i) => {
    frames.push({
      FrameType: 'DataTable',
      TableId: i + 1,
      TableKind: 'PrimaryResult',
      TableName: i === 0 ? 'PrimaryResult' : `PrimaryResult_${i}`,
      Columns: table.columns.map((c) => ({ ColumnName: c.name, ColumnType: c.type })),
      Rows: wireRows(table),
    });
  });
  frames.push({ FrameType: 'DataSetCompletion', HasErrors: false, Cancelled: false });
  return frames;
}

/** A query that failed while running: the SDK throws with every `@message` listed. */
export function v2ErrorResponse(oneApiError: unknown): V2Frame[] {
  return [
    {
      FrameType: 'DataSetHeader',
      IsProgressive: false,
      Version: 'v2.0',
      IsFragmented: false,
      ErrorReportingPlacement: 'EndOfTable',
    },
    { FrameType: 'DataSetCompletion', HasErrors: true, Cancelled: false, OneApiErrors: [oneApiError] },
  ];
}
