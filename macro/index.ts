/**
 * The package's main entry (`require('warm-step-functions')`, `import ... from 'warm-step-functions'`):
 * the typed core API, and, as its default export, the Serverless Framework plugin, since the framework
 * loads `plugins: [warm-step-functions]` with `require` and takes the module's `default` when it has one.
 */
export { transform } from './core/transform';
export { parseParams, ACCEPTED, MODES, type MacroParams } from './core/params';
export { TransformError, type Problem } from './errors';
export { runAtBuildTime, type BuildTimeContext } from './frontends/build-time';
export { MACRO_NAME } from './types';
export type {
  Decision,
  ExternalLookup,
  Json,
  JsonObject,
  MacroEvent,
  MacroReply,
  Mode,
  Needs,
  Report,
  StoredDefinition,
  StoredRef,
  Topic,
  TransformOptions,
  TransformResult,
} from './types';
export { default } from './frontends/serverless';
