// Package-time IAM for serverless.yml: the function role's extra statements, from the deployment
// options, so that the compiled template shows exactly the permissions that get deployed.
//   resolveExternal      'true' | 'false'  -> custom.resolveExternalStatements (read-only Lambda calls)
//   s3DefinitionBuckets  'a,b' | ''        -> s3:GetObject / s3:GetObjectVersion on the objects of exactly
//                                             those buckets, WARM_S3_DEFINITIONS=true, and the list in
//                                             WARM_S3_DEFINITION_BUCKETS (the reader's own allowlist)
// A value that is not valid fails the packaging, naming the option.
'use strict';

// S3 bucket naming rules (general purpose buckets): 3-63 characters, lowercase letters, digits, dots
// and hyphens, starting and ending with a letter or digit, no two adjacent dots. The same pattern as
// S3DefinitionBuckets' AllowedPattern in template/*.yml and BUCKET_NAME in macro/external/s3-definitions.ts.
const BUCKET = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

async function s3DefinitionBuckets(resolveVariable) {
  const raw = await resolveVariable('param:s3DefinitionBuckets');
  const buckets = String(raw ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const bad = buckets.filter((b) => !BUCKET.test(b));
  if (bad.length) throw new Error(`s3DefinitionBuckets: not S3 bucket names: ${bad.join(', ')} (give names, comma-separated, no s3:// and no key)`);
  return [...new Set(buckets)];
}

module.exports = {
  async statements({ resolveVariable }) {
    const resolveExternal = await resolveVariable('param:resolveExternal');
    const external = await resolveVariable(`self:custom.resolveExternalStatements.${resolveExternal}`);
    if (!Array.isArray(external)) throw new Error(`resolveExternal must be 'true' or 'false', got '${resolveExternal}'`);
    const buckets = await s3DefinitionBuckets(resolveVariable);
    const s3 = buckets.length
      ? [
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:GetObjectVersion'],
            Resource: buckets.map((b) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${b}/*` })),
          },
        ]
      : [];
    return [...external, ...s3];
  },
  async s3Definitions({ resolveVariable }) {
    return (await s3DefinitionBuckets(resolveVariable)).length > 0 ? 'true' : 'false';
  },
  async s3DefinitionBucketList({ resolveVariable }) {
    return (await s3DefinitionBuckets(resolveVariable)).join(',');
  },
  BUCKET,
};
