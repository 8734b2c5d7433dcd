/** Reading one status-queue message into an ingestion report, as the service writes them. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { parseStatusMessage } from '../../src/kusto/reports';

const RECEIVED = DateTime.fromISO('2026-11-20T10:00:00Z', { zone: 'utc' });
const encode = (body: unknown): string => Buffer.from(JSON.stringify(body), 'utf8').toString('base64');
const base = {
  OperationId: 'op-1',
  Database: 'O365',
  Table: 'Alerts',
  IngestionSourceId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  IngestionSourcePath: 'https://x.blob.core.windows.net/c/O365__Alerts__7c9e.multijson.gz',
  RootActivityId: 'r-1',
};

describe('parseStatusMessage', () => {
  it('a success message is Succeeded, not permanent, at SucceededOn', () => {
    assert.deepEqual(
      parseStatusMessage(encode({ ...base, SucceededOn: '2026-11-20T09:59:30Z' }), 'success', RECEIVED),
      {
        sourceId: base.IngestionSourceId,
        database: 'O365',
        table: 'Alerts',
        operationId: 'op-1',
        status: 'Succeeded',
        permanent: false,
        at: '2026-11-20T09:59:30.000Z',
      },
    );
  });

  it('a Permanent failure keeps the error code and details (non-ASCII intact)', () => {
    const report = parseStatusMessage(
      encode({
        ...base,
        FailedOn: '2026-11-20T09:59:31.1234567Z',
        ErrorCode: 'BadRequest_InconsistentMapping',
        Details: "Mapping column 'Naïve' does not fit",
        FailureStatus: 'Permanent',
      }),
      'failure',
      RECEIVED,
    );
    assert.equal(report?.status, 'Failed');
    assert.equal(report?.permanent, true);
    assert.equal(report?.errorCode, 'BadRequest_InconsistentMapping');
    assert.equal(report?.details, "Mapping column 'Naïve' does not fit");
    assert.equal(report?.at, '2026-11-20T09:59:31.123Z');
  });

  it('Transient and retry-exhausted failures are not permanent', () => {
    for (const status of ['Transient', 'Exhausted', 'RetryAttemptsExceeded']) {
      const report = parseStatusMessage(
        encode({ ...base, ErrorCode: 'General_RetryAttemptsExceeded', FailureStatus: status }),
        'failure',
        RECEIVED,
      );
      assert.deepEqual([report?.status, report?.permanent], ['Failed', false], status);
    }
  });

  it('an ingestIfNotExists skip counts as Succeeded, already ingested', () => {
    const report = parseStatusMessage(
      encode({ ...base, ErrorCode: 'Skipped_IngestByTagAlreadyExists', FailureStatus: 'Permanent' }),
      'failure',
      RECEIVED,
    );
    assert.deepEqual(
      [report?.status, report?.permanent, report?.alreadyIngested],
      ['Succeeded', false, true],
    );
  });

  it('a missing or unreadable time falls back to the time the report was read', () => {
    const report = parseStatusMessage(encode({ ...base, FailedOn: 'yesterday' }), 'failure', RECEIVED);
    assert.equal(report?.at, '2026-11-20T10:00:00.000Z');
  });

  it('anything that is not a report with a source id is refused', () => {
    for (const text of [
      'not base64 json',
      Buffer.from('[1,2]').toString('base64'),
      encode({ ...base, IngestionSourceId: '' }),
      encode('a string'),
    ])
      assert.equal(parseStatusMessage(text, 'failure', RECEIVED), undefined, text);
  });
});
