/**
 * `verify`'s text table (macro/cli/format/table.ts), at most 80 columns: a 1-character mark column (`!` cold
 * or not ready, `?` not checked), then STATE MACHINE, STATE, FUNCTION, QUALIFIER, PC, ALLOC/REQ (widths 13,
 * 13, 16, 10, 11, 9, one space apart); problem lines and the summary wrap at 80 with a two-space indent, and
 * ARNs longer than a line are cut across lines.
 */
import { verifyStack } from '../../../../macro/cli/commands/verify-stack';
import { formatTable } from '../../../../macro/cli/format/table';
import type { VerifyResult, VerifyRow } from '../../../../macro/cli/commands/verify-result';
import { fnArn, serve, ordersProd, clients, unwrap, overlong, type Mocks, mockAws, restoreAws } from '../../../support/verify-stack';

let mocks: Mocks;
beforeEach(() => {
  mocks = mockAws();
});
afterEach(() => restoreAws(mocks));

describe('formatTable', () => {
  it('one row per task with its mark, the problems spelled out, the executions, and the summary (80 columns)', async () => {
    serve(mocks, ordersProd());
    const table = formatTable(await verifyStack('orders-prod', clients(), { executions: 1 }));
    expect(table).toBe(
      [
        '  STATE MACHINE STATE         FUNCTION         QUALIFIER  PC          ALLOC/REQ',
        '  OrderFlow     Validate      orders-validate  live       READY       5/5',
        '! OrderFlow     Charge        orders-charge    (none)     none        -',
        '  OrderFlow     Notify        orders-notify    (none)     none        -',
        '! RefundFlow    Refund        orders-refund    live       IN_PROGRESS 2/10',
        '  RefundFlow    Audit         orders-validate  live       READY       5/5',
        '! RefundFlow    Reconcile     orders-reconcile 3          FAILED      0/5',
        '',
        'cold path: OrderFlow/Charge invokes',
        `  ${fnArn('orders-charge')} (provisioned`,
        '  concurrency is on live)',
        'not ready: RefundFlow/Refund invokes orders-refund:live (alias → version 4)',
        'not ready: RefundFlow/Reconcile invokes',
        `  ${fnArn('orders-reconcile')}:3`,
        '',
        'Last executions (what each task really ran):',
        '  STATE MACHINE STATE         EXECUTION        QUALIFIER',
        '  OrderFlow     Validate      …55-0e6f1b2c3d4e live',
        '  OrderFlow     Charge        …55-0e6f1b2c3d4e $LATEST',
        '  OrderFlow     Notify        …55-0e6f1b2c3d4e $LATEST',
        '  RefundFlow    Refund        …5d-7f9e1a3c5b7d live',
        '',
        '2 state machine(s), 6 Lambda task(s): 2 warm, 1 cold, 2 not ready, 1 without',
        '  provisioned concurrency, 0 not checked.',
        '',
      ].join('\n'),
    );
    expect(overlong(table)).toEqual([]);
    expect(unwrap(table)).toContain(`cold path: OrderFlow/Charge invokes ${fnArn('orders-charge')} (provisioned concurrency is on live)\n`);
    expect(unwrap(table)).toContain('2 state machine(s), 6 Lambda task(s): 2 warm, 1 cold, 2 not ready, 1 without provisioned concurrency, 0 not checked.\n');
  });

  it('the grid: column starts and widths [1, 13, 13, 16, 10, 11, 9], one space apart (79 columns)', () => {
    const header = formatTable({ stateMachines: 0, rows: [], executions: [], executionErrors: [] }).split('\n')[0];
    expect(header).toBe('  STATE MACHINE STATE         FUNCTION         QUALIFIER  PC          ALLOC/REQ');
    expect(header.length).toBe(79);
    /** The cells of a grid line, read by the widths, checking the single space between them. */
    const cells = (line: string): string[] => {
      const out: string[] = [];
      let at = 0;
      [1, 13, 13, 16, 10, 11, 9].forEach((w, k) => {
        if (k > 0) expect(line[at++] ?? ' ').toBe(' ');
        out.push(line.slice(at, at + w).trimEnd());
        at += w;
      });
      expect(line.length).toBeLessThanOrEqual(at);
      return out;
    };
    expect(cells(header)).toEqual(['', 'STATE MACHINE', 'STATE', 'FUNCTION', 'QUALIFIER', 'PC', 'ALLOC/REQ']);
    const row: VerifyRow = {
      stateMachine: 'ThirteenChars',
      state: 'ThirteenChar2',
      statePath: 'States.ThirteenChar2',
      invoked: `${fnArn('sixteen-chars-fn')}:ten-chars-`,
      function: fnArn('sixteen-chars-fn'),
      qualifier: 'ten-chars-',
      status: 'IN_PROGRESS',
      allocated: 1000,
      requested: 1000,
      verdict: 'not-ready',
    };
    const line = formatTable({ stateMachines: 1, rows: [row], executions: [], executionErrors: [] }).split('\n')[1];
    expect(cells(line)).toEqual(['!', 'ThirteenChars', 'ThirteenChar2', 'sixteen-chars-fn', 'ten-chars-', 'IN_PROGRESS', '1000/1000']);
    expect(line).toHaveLength(79);
    // One character more in any column is cut.
    const cut = formatTable({
      stateMachines: 1,
      rows: [{ ...row, stateMachine: 'FourteenChars!', state: 'FourteenChar2!', function: fnArn('seventeen-chars-f'), qualifier: 'eleven-chr-' }],
      executions: [],
      executionErrors: [],
    }).split('\n')[1];
    expect(cells(cut)).toEqual(['!', 'FourteenChar…', 'FourteenChar…', 'seventeen-chars…', 'eleven-ch…', 'IN_PROGRESS', '1000/1000']);
  });

  const LONG = 'OrderFulfillmentStateMachineWithAVeryLongLogicalId';
  const LONG_FN = fnArn('orders-service-production-validate-incoming-order-payload-v2');
  const longRow = (over: Partial<VerifyRow>): VerifyRow => ({
    stateMachine: LONG,
    state: 'ValidateTheIncomingOrderPayloadAgainstTheSchema',
    statePath: 'States.Fan.Branches[0].States.ValidateTheIncomingOrderPayloadAgainstTheSchema',
    invoked: `${LONG_FN}:provisioned-live-alias`,
    function: LONG_FN,
    qualifier: 'provisioned-live-alias',
    status: 'READY',
    allocated: 40,
    requested: 40,
    verdict: 'warm',
    ...over,
  });
  const unqualified: Partial<VerifyRow> = { qualifier: '', invoked: LONG_FN, status: 'none', allocated: undefined, requested: undefined };

  it('long names are cut with … in every column; each verdict has its mark', () => {
    const result: VerifyResult = {
      stateMachines: 1,
      rows: [
        longRow({}),
        longRow({ status: 'IN_PROGRESS', allocated: 20, requested: 100, verdict: 'not-ready' }),
        longRow({ ...unqualified, verdict: 'cold', note: 'provisioned concurrency is on provisioned-live-alias' }),
        longRow({ ...unqualified, verdict: 'no-pc' }),
        longRow({ ...unqualified, verdict: 'unknown', note: 'access denied to the Lambda API' }),
      ],
      executions: [],
      executionErrors: [],
    };
    expect(formatTable(result).split('\n').slice(1, 6)).toEqual([
      '  OrderFulfill… ValidateTheI… orders-service-… provision… READY       40/40',
      '! OrderFulfill… ValidateTheI… orders-service-… provision… IN_PROGRESS 20/100',
      '! OrderFulfill… ValidateTheI… orders-service-… (none)     none        -',
      '  OrderFulfill… ValidateTheI… orders-service-… (none)     none        -',
      '? OrderFulfill… ValidateTheI… orders-service-… (none)     none        -',
    ]);
  });

  it('every line is at most 80 columns, for long names and every verdict; an ARN longer than a line is cut across lines', async () => {
    const result: VerifyResult = {
      stateMachines: 1,
      rows: [
        longRow({}),
        longRow({ status: 'IN_PROGRESS', allocated: 20, requested: 100, verdict: 'not-ready' }),
        longRow({ ...unqualified, verdict: 'cold', note: 'provisioned concurrency is on provisioned-live-alias' }),
        longRow({ ...unqualified, verdict: 'unknown', note: 'access denied to the Lambda API' }),
      ],
      executions: [
        {
          stateMachine: LONG,
          execution: '7f1c2a90-5b1e-4c3a-9d55-0e6f1b2c3d4e',
          state: 'ValidateTheIncomingOrderPayloadAgainstTheSchema',
          ran: longRow({}).invoked,
          qualifier: 'provisioned-live-alias',
        },
      ],
      executionErrors: [
        { stateMachine: LONG, message: 'access denied to the Step Functions API (needs states:ListExecutions and states:GetExecutionHistory)' },
      ],
    };
    const table = formatTable(result);
    expect(overlong(table)).toEqual([]);
    const problems = table.split('\n\n')[1].split('\n');
    // "State machine/state" (99 characters) and the function ARN (101) are cut at 78 characters.
    const where = [`  ${LONG}/ValidateTheIncomingOrderPay`, '  loadAgainstTheSchema invokes', `  ${fnArn('orders-service-production-valid')}`];
    expect(problems).toEqual([
      'not ready:',
      ...where,
      '  ate-incoming-order-payload-v2:provisioned-live-alias',
      'cold path:',
      ...where,
      '  ate-incoming-order-payload-v2 (provisioned concurrency is on',
      '  provisioned-live-alias)',
      'not checked:',
      ...where,
      '  ate-incoming-order-payload-v2 (access denied to the Lambda API)',
    ]);
    expect(where[0]).toHaveLength(80);
    expect(where[2]).toHaveLength(80);
    // The cut pieces, put back together, give the whole text: nothing is lost.
    const text = (verdictWord: string, row: VerifyRow): string =>
      `${verdictWord}: ${row.stateMachine}/${row.state} invokes ${row.invoked}${row.note ? ` (${row.note})` : ''}`;
    const squash = (x: string): string => x.replace(/\s+/g, '');
    expect(squash(problems.join(''))).toBe(squash(text('not ready', result.rows[1]) + text('cold path', result.rows[2]) + text('not checked', result.rows[3])));
    expect(problems.filter((l) => !l.startsWith('  '))).toEqual(['not ready:', 'cold path:', 'not checked:']);
    expect(table).toContain('\n  OrderFulfill… ValidateTheI… …55-0e6f1b2c3d4e provision…\n');

    serve(mocks, ordersProd());
    expect(overlong(formatTable(await verifyStack('orders-prod', clients(), { executions: 1 })))).toEqual([]);
  });

  it('ALLOC/REQ shows the whole counts, up to 1000/1000', () => {
    const lines = formatTable({
      stateMachines: 1,
      rows: [
        longRow({ allocated: 250, requested: 1000 }),
        longRow({ allocated: 1000, requested: 1000 }),
        longRow({ allocated: undefined, requested: 7, status: 'IN_PROGRESS', verdict: 'not-ready' }),
      ],
      executions: [],
      executionErrors: [],
    }).split('\n');
    expect(lines.slice(1, 4)).toEqual([
      '  OrderFulfill… ValidateTheI… orders-service-… provision… READY       250/1000',
      '  OrderFulfill… ValidateTheI… orders-service-… provision… READY       1000/1000',
      '! OrderFulfill… ValidateTheI… orders-service-… provision… IN_PROGRESS 0/7',
    ]);
    expect(overlong(lines.join('\n'))).toEqual([]);
  });

  // KNOWN DEFECT (macro/cli/format/table.ts): ALLOC/REQ is 9 wide and cut like the other
  // columns, so 5-digit counts (regional concurrency quotas can be raised that far) lose digits:
  // 12000/12000 prints as "12000/12…". As the last column it need not be cut (or the row may use
  // the 80th column). Flip to `it` when fixed.
  it('ALLOC/REQ shows 5-digit counts whole', () => {
    const table = formatTable({ stateMachines: 1, rows: [longRow({ allocated: 12000, requested: 12000 })], executions: [], executionErrors: [] });
    expect(table.split('\n')[1]).toMatch(/ 12000\/12000$/);
  });

  it('the executions header is not truncated', async () => {
    serve(mocks, ordersProd());
    const table = formatTable(await verifyStack('orders-prod', clients(), { executions: 1 }));
    expect(table).toContain('\nLast executions (what each task really ran):\n  STATE MACHINE STATE         EXECUTION        QUALIFIER\n');
    expect(table).not.toMatch(/…$/m);
  });

  // Execution names usually share a prefix ("order-2025-03-04-0001", "...-0002"): the EXECUTION
  // column keeps their ends.
  it('with --executions 2, executions whose names share a long prefix are still told apart', () => {
    const row = (execution: string) => ({
      stateMachine: 'OrderFlow',
      execution,
      state: 'Validate',
      ran: `${fnArn('orders-validate')}:live`,
      qualifier: 'live',
    });
    const table = formatTable({ stateMachines: 1, rows: [], executions: [row('order-2025-03-04-0001'), row('order-2025-03-04-0002')], executionErrors: [] });
    const lines = table.split('\n').filter((l) => l.includes('Validate'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).not.toBe(lines[1]);
  });

  it('docs/limits.md: names from the stack (state machine, state, function, execution, notes) are printed with control characters escaped', () => {
    const evil = 'Pay\u001b[2J\n::error::owned\u202e';
    const result: VerifyResult = {
      rows: [
        {
          stateMachine: evil,
          state: evil,
          statePath: `States.${evil}`,
          invoked: `${fnArn('f')}`,
          function: fnArn('f'),
          qualifier: '',
          status: 'none',
          verdict: 'cold',
          note: evil,
        },
      ],
      executions: [{ stateMachine: evil, execution: evil, state: evil, ran: '', qualifier: '' }],
      executionErrors: [{ stateMachine: evil, message: evil }],
      stateMachines: 1,
    };
    const table = formatTable(result);
    expect(table).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(table).not.toMatch(/^::error::/m);
    expect(table).toContain('Pay\\x1b[2J\\n::error::owned\\u202e');
  });
});
