/**
 * A check of SARIF 2.1.0 logs against the schema's required properties, enumerations and minimums (no npm
 * package ships the schema for offline validation; the logs are typed with @types/sarif at compile time).
 */
import type { Log } from 'sarif';

const LEVELS = new Set(['none', 'note', 'warning', 'error']);
const KINDS = new Set([
  'function',
  'member',
  'module',
  'namespace',
  'parameter',
  'resource',
  'returnType',
  'type',
  'variable',
  'object',
  'array',
  'property',
  'value',
  'element',
  'text',
  'attribute',
  'comment',
  'declaration',
  'dtd',
  'processingInstruction',
]);

/** The SARIF 2.1.0 schema's required properties, enumerations and minimums, for what check writes. Returns the problems. */
export function sarifProblems(log: Log): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  const isUriReference = (u: unknown): boolean => typeof u === 'string' && !/[\s"<>\\^`{|}]/.test(u);
  need(log.version === '2.1.0', 'version must be "2.1.0"');
  need(typeof log.$schema === 'string' && /^https:\/\//.test(log.$schema), '$schema is a URI');
  need(Array.isArray(log.runs), 'runs is an array');
  for (const run of log.runs ?? []) {
    const driver = run.tool?.driver;
    need(typeof driver?.name === 'string' && driver.name.length > 0, 'run.tool.driver.name');
    const ruleIds = (driver?.rules ?? []).map((r) => r.id);
    for (const rule of driver?.rules ?? []) {
      need(typeof rule.id === 'string', 'rule.id');
      need(rule.defaultConfiguration?.level === undefined || LEVELS.has(rule.defaultConfiguration.level), 'rule level');
      need(typeof rule.shortDescription?.text === 'string', 'rule.shortDescription.text');
    }
    for (const [name, base] of Object.entries(run.originalUriBaseIds ?? {}))
      need(base.uri !== undefined || base.description !== undefined, `originalUriBaseIds.${name}`);
    for (const a of run.artifacts ?? []) need(isUriReference(a.location?.uri), 'artifact location uri');
    for (const inv of run.invocations ?? []) need(typeof inv.executionSuccessful === 'boolean', 'invocation.executionSuccessful');
    need(run.columnKind === undefined || run.columnKind === 'utf16CodeUnits' || run.columnKind === 'unicodeCodePoints', 'columnKind');
    for (const result of run.results ?? []) {
      need(typeof result.message?.text === 'string' || typeof result.message?.id === 'string', 'result.message needs text or id');
      need(result.level === undefined || LEVELS.has(result.level), 'result.level');
      need(result.ruleId === undefined || ruleIds.includes(result.ruleId), `ruleId ${result.ruleId} among the rules`);
      need(
        result.ruleIndex === undefined || (Number.isInteger(result.ruleIndex) && driver?.rules?.[result.ruleIndex]?.id === result.ruleId),
        'ruleIndex points at its rule',
      );
      for (const loc of result.locations ?? []) {
        const phys = loc.physicalLocation;
        if (phys) {
          need(phys.artifactLocation !== undefined || phys.address !== undefined, 'physicalLocation needs artifactLocation or address');
          need(isUriReference(phys.artifactLocation?.uri), 'artifactLocation.uri is a URI reference');
          need(
            phys.artifactLocation?.uriBaseId === undefined || Object.hasOwn(run.originalUriBaseIds ?? {}, phys.artifactLocation.uriBaseId),
            'uriBaseId is declared',
          );
          need(phys.artifactLocation?.index === undefined || (run.artifacts ?? [])[phys.artifactLocation.index] !== undefined, 'artifact index');
          const region = phys.region;
          need(region !== undefined && Number.isInteger(region.startLine) && (region.startLine ?? 0) >= 1, 'region.startLine >= 1');
          need(region?.startColumn === undefined || (Number.isInteger(region.startColumn) && region.startColumn >= 1), 'region.startColumn >= 1');
        }
        for (const l of loc.logicalLocations ?? []) need(l.kind === undefined || KINDS.has(l.kind), `logicalLocation.kind ${l.kind}`);
      }
      for (const v of Object.values(result.partialFingerprints ?? {})) need(typeof v === 'string', 'partialFingerprints are strings');
    }
  }
  return problems;
}
