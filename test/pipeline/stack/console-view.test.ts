/**
 * The live console view of `npm start` shows rewinds in progress with their progress and failed ones with their
 * error, parked blobs with their next expiry, and one block per tenant when the status has several.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parkedLines, renderStatus, rewindLines } from '../../../local/stack/console-view';

const NOW = Date.parse('2026-01-02T01:05:00Z');
const loop = { state: 'waiting', checkpoint: '2026-01-02T00:00:00Z', lagMinutes: 65 };

describe('console view: rewinds, parked blobs, tenants', () => {
  it('draws a running rewind with its window progress and leaves finished ones out', () => {
    const lines = rewindLines([
      {
        instanceId: 'r1',
        runtimeStatus: 'Running',
        from: '2026-01-01T00:00:00Z',
        to: '2026-01-01T06:00:00Z',
        state: 'processing',
        windowsDone: 3,
        windowsTotal: 6,
      },
      { instanceId: 'r0', runtimeStatus: 'Completed', windowsDone: 6, windowsTotal: 6 },
    ]);
    assert.deepEqual(lines, [
      'rewind 2026-01-01T00:00:00Z .. 2026-01-01T06:00:00Z [##########----------]  50% (3/6 windows), processing',
    ]);
  });

  it('shows a failed rewind with its error and caps the list with a count of the rest', () => {
    const running = { runtimeStatus: 'Running', from: 'a', to: 'b', windowsDone: 0, windowsTotal: 2 };
    const lines = rewindLines([
      { runtimeStatus: 'Failed', from: 'x', to: 'y', lastError: 'Kusto refused the ingestion' },
      running,
      running,
      running,
      running,
    ]);
    assert.equal(lines[0], 'rewind x .. y failed: Kusto refused the ingestion');
    assert.equal(lines.length, 4);
    assert.equal(lines[3], '... and 2 more rewinds');
  });

  it('shows parked blobs with the next expiry and an error, and nothing when none are parked', () => {
    assert.deepEqual(parkedLines({ count: 0, blobs: [] }), []);
    assert.deepEqual(parkedLines(undefined), []);
    assert.deepEqual(
      parkedLines({
        count: 2,
        hoursToNextExpiry: 20.25,
        blobs: [{ contentId: 'b1', lastError: 'HTTP 500' }],
      }),
      ['parked blobs 2 | next expiry in 20.3 h | last error: HTTP 500'],
    );
  });

  it('puts rewinds and parked blobs in the frame, before the last failure line', () => {
    const lines = renderStatus(
      {
        runtimeStatus: 'Running',
        loop: { ...loop, recentFailures: [{ window: 'w1', error: 'boom' }] },
        rewinds: [{ runtimeStatus: 'Running', from: 'f', to: 't', windowsDone: 1, windowsTotal: 4 }],
        parked: { count: 1 },
      },
      NOW,
      undefined,
      60,
    );
    assert.ok(
      lines.some((l) => /^rewind f \.\. t \[#{5}-{15}\] {2}25% \(1\/4 windows\)$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.includes('parked blobs 1'), lines.join('\n'));
    assert.equal(lines.at(-1), 'last failure (window w1): boom');
  });

  it('renders one indented block per tenant when the status has several, without crashing on a null loop', () => {
    const lines = renderStatus(
      {
        tenants: [
          { tenantId: 't1', tenantName: 'Contoso', runtimeStatus: 'Running', loop },
          { tenantId: 't2', runtimeStatus: 'NotStarted', loop: null, parked: { count: 4 } },
        ],
      },
      NOW,
      undefined,
      60,
    );
    assert.equal(lines[0], 'tenant Contoso (t1)');
    assert.equal(lines[1], '  pipeline Running (waiting)');
    const second = lines.indexOf('tenant t2');
    assert.ok(second > 1, lines.join('\n'));
    assert.equal(lines[second + 1], '  pipeline NotStarted (starting)');
    assert.ok(lines.slice(second).includes('  parked blobs 4'), lines.join('\n'));
  });
});
