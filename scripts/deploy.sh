#!/usr/bin/env bash
# Deploys the WarmStepFunctions macro with the Serverless Framework v3, using YOUR AWS credentials
# (the usual AWS_PROFILE / AWS_ACCESS_KEY_ID... environment, or --aws-profile NAME). CI never runs this.
#
# Usage:  scripts/deploy.sh [serverless deploy options]
#   scripts/deploy.sh                                    # stage prod, us-east-1, macro WarmStepFunctions
#   scripts/deploy.sh --region eu-west-1
#   scripts/deploy.sh --param="resolveExternal=true"     # + read-only Lambda alias/PC lookups
#   scripts/deploy.sh --param="memorySize=1024" --param="timeout=30"
#   # a second copy side by side (another stage = another stack, another macro name):
#   scripts/deploy.sh --stage test --param="macroName=WarmStepFunctionsTest"
# Remove:  npx serverless remove [--stage test] [--region ...]
#
# What it does: builds dist/macro.js, zips it, `serverless package`s into .serverless/ (scripts/package.mjs,
# offline), then `serverless deploy --package .serverless`. It creates the stack
# warm-step-functions-macro-<stage>: a deployment bucket, the function, its log group (30-day retention),
# its role and the AWS::CloudFormation::Macro.
#
# CloudFormation-only alternative (no Serverless; needs the AWS CLI and an S3 bucket in the target Region):
#   npm run package                              # or: node scripts/package.mjs --no-serverless
#   aws cloudformation package --template-file template/macro.yml \
#       --s3-bucket MY_BUCKET --output-template-file packaged.yml
#   aws cloudformation deploy --template-file packaged.yml \
#       --stack-name warm-step-functions-macro --capabilities CAPABILITY_IAM \
#       --parameter-overrides MacroName=WarmStepFunctions ResolveExternal=false
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${CI:-}" == "true" ]]; then
  echo "deploy.sh: refusing to deploy from CI (CI=true); run it from a workstation with AWS credentials." >&2
  exit 1
fi

export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off

# Build + zip + `serverless package` into .serverless/, checking that the zips hold only dist/macro.js;
# then deploy exactly that package. The same options go to both steps so that stage/region/params match,
# except the deploy-only flags, which `serverless package` would reject.
package_args=()
for arg in "$@"; do
  case "$arg" in
    --conceal|--force|--aws-s3-accelerate|--enforce-hash-update) ;;
    *) package_args+=("$arg") ;;
  esac
done
node scripts/package.mjs ${package_args[@]+"${package_args[@]}"}  # (empty-array safe on bash 3.2)

exec ./node_modules/.bin/serverless deploy --package .serverless "$@"
