/**
 * The CLI's stored definitions: what it can read on the local disk.
 *
 * - `DefinitionUri` given as a path: relative to the template (a SAM source template, before
 *   `sam package` uploads the file).
 * - `DefinitionS3Location` of a CDK asset, when the template is `cdk.out/<Stack>.template.json`:
 *   the asset manifest next to it (`<Stack>.assets.json`) names the file that `cdk deploy` uploads
 *   as that bucket and key.
 *
 * Anything else in S3 is left to the deployed macro, which reads it when its deployment allows
 * (s3DefinitionBuckets); the CLI says so.
 */
import { basename, dirname, isAbsolute, join } from 'node:path';
import { describeLocation, storedRefs } from '../core/definition/stored';
import { getOwn, isObject } from '../cfn/json';
import { TransformError } from '../errors';
import { transform } from '../core/transform';
import type { StoredDefinition, StoredRef, TransformOptions, TransformResult } from '../types';

export const CLI_S3 =
  'the CLI reads local files and CDK assets in cdk.out, not S3 (the deployed macro reads it when its deployment lists the bucket in s3DefinitionBuckets)';

/**
 * One run of the core with the stored definitions it needs read from the local disk: a first run
 * says what it needs (`report.needs.definitions`, or the TransformError's), and a second runs only
 * when some were read.
 */
export function transformWithLocalDefinitions(
  fragment: unknown,
  templateFile: string | undefined,
  options: TransformOptions,
  readFile: (path: string) => string,
): TransformResult {
  let needed: StoredRef[];
  try {
    const result = transform(fragment, options);
    needed = result.report.needs.definitions;
    if (needed.length === 0) return result;
  } catch (e) {
    if (!(e instanceof TransformError) || !e.needs?.definitions.length) throw e;
    needed = e.needs.definitions;
  }
  const definitions = { ...options.definitions, ...readLocalDefinitions(needed, templateFile, readFile) };
  return transform(fragment, { ...options, definitions });
}

/** The stored definitions of a template the CLI can read (all its selected state machines'). */
export function localDefinitions(
  template: unknown,
  templateFile: string | undefined,
  options: TransformOptions,
  readFile: (path: string) => string,
): Record<string, StoredDefinition> {
  return readLocalDefinitions(storedRefs(template, options), templateFile, readFile);
}

/** Reads the stored definitions of `refs` from the local disk, keyed by state machine. */
export function readLocalDefinitions(
  refs: readonly StoredRef[],
  templateFile: string | undefined,
  readFile: (path: string) => string,
): Record<string, StoredDefinition> {
  const out: Record<string, StoredDefinition> = {};
  // Paths stay relative when the template's is (the CLI reads them from the working directory).
  const dir = templateFile && templateFile !== '-' ? dirname(templateFile) : '.';
  let assets: CdkAssets | undefined | null = null;
  for (const ref of refs) {
    const l = ref.location;
    if (!l) continue;
    if (l.kind === 'file') {
      const path = isAbsolute(l.path) ? l.path : join(dir, l.path);
      out[ref.stateMachine] = readLocal(readFile, path, l.path);
      continue;
    }
    if (assets === null) assets = templateFile ? cdkAssets(templateFile, readFile) : undefined;
    const asset = assets?.files.find((f) => f.objectKey === l.key && f.bucketName === l.bucketText);
    if (!assets || !asset) {
      out[ref.stateMachine] = { status: 'error', source: describeLocation(l), message: CLI_S3 };
      continue;
    }
    if (asset.packaging !== 'file') {
      out[ref.stateMachine] = {
        status: 'error',
        source: describeLocation(l),
        message: `the CDK asset ${asset.path} is packaged as ${asset.packaging}, not as a file`,
      };
      continue;
    }
    const shown = `${join(assets.dir, asset.path)} (CDK asset of ${describeLocation(l)})`;
    out[ref.stateMachine] = readLocal(readFile, join(assets.dir, asset.path), shown);
  }
  return out;
}

function readLocal(readFile: (path: string) => string, path: string, source: string): StoredDefinition {
  try {
    return { status: 'ok', source, text: readFile(path).replace(/^\uFEFF/, '') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? 'not found: no such file' : code === 'EACCES' ? 'access denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    return { status: 'error', source, message };
  }
}

interface CdkAssets {
  dir: string;
  files: { objectKey: string; bucketName: string; path: string; packaging: string }[];
}

/** The file assets of `cdk.out/<Stack>.assets.json`, when the template is `cdk.out/<Stack>.template.json`. */
function cdkAssets(templateFile: string, readFile: (path: string) => string): CdkAssets | undefined {
  const m = /^(.*)\.template\.json$/.exec(basename(templateFile));
  if (!m) return undefined;
  const dir = dirname(templateFile);
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFile(join(dir, `${m[1]}.assets.json`)));
  } catch {
    return undefined;
  }
  const files: CdkAssets['files'] = [];
  const assets = getOwn(isObject(manifest) ? manifest : {}, 'files');
  if (!isObject(assets)) return { dir, files };
  for (const id of Object.keys(assets)) {
    const a = assets[id];
    const source = isObject(a) ? getOwn(a, 'source') : undefined;
    const destinations = isObject(a) ? getOwn(a, 'destinations') : undefined;
    if (!isObject(source) || !isObject(destinations) || typeof source.path !== 'string') continue;
    for (const d of Object.values(destinations)) {
      if (isObject(d) && typeof d.objectKey === 'string' && typeof d.bucketName === 'string') {
        files.push({
          objectKey: d.objectKey,
          bucketName: d.bucketName,
          path: source.path,
          packaging: typeof source.packaging === 'string' ? source.packaging : 'file',
        });
      }
    }
  }
  return { dir, files };
}
