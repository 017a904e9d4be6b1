import { SourcePositions } from '../../../macro/cli/positions';

describe('SourcePositions', () => {
  it('paths through short-form tags, lists, and a path deeper than the file', () => {
    const text = 'A:\n  B: !Sub\n    - "x-${y}"\n    - y: !GetAtt R.Arn\n';
    const p = SourcePositions.of(text);
    expect(p.at(['A', 'B'])).toEqual({ line: 2, column: 3, exact: true });
    expect(p.at(['A', 'B', 'Fn::Sub', 1, 'y'])).toEqual({ line: 4, column: 7, exact: true });
    expect(p.at(['A', 'B', 'Fn::Sub', 1, 'y', 'Fn::GetAtt', 0])).toEqual({ line: 4, column: 7, exact: true });
    expect(p.at(['A', 'Nope', 'x'])).toEqual({ line: 1, column: 1, exact: false });
    expect(p.inString(['A', 'B', 'Fn::Sub', 0], 2)).toEqual({ line: 3, column: 10, exact: true });
  });

  it('single-quoted and escaped strings: the column of the character', () => {
    const text = `a: 'it''s \${x}'\nb: "tab\\there \${y}"\n`;
    const p = SourcePositions.of(text);
    expect(p.inString(['a'], "it's ".length)).toEqual({ line: 1, column: text.indexOf('${x}') + 1, exact: true });
    expect(p.inString(['b'], 'tab\there '.length)).toEqual({ line: 2, column: text.split('\n')[1].indexOf('${y}') + 1, exact: true });
  });

  it('a folded scalar (>) does not map line by line: the start of the string', () => {
    const p = SourcePositions.of('a: >\n  one\n  two\n');
    expect(p.inString(['a'], 5)).toEqual({ line: 1, column: 4, exact: false });
  });

  it('text that does not parse: line 1', () => {
    expect(SourcePositions.of('{ "a": ').at(['a'])).toMatchObject({ line: 1 });
  });
});
