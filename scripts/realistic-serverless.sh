#!/usr/bin/env bash
# Packages each test/realistic/serverless/<name> service with the installed Serverless Framework v3 and
# writes test/realistic/serverless_<name>.json (the update-stack template, S3 keys and code hashes fixed).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for dir in "$ROOT"/test/realistic/serverless/*/; do
  name=$(basename "$dir")
  [ $# -gt 0 ] && [[ " $* " != *" $name "* ]] && continue
  work=$(mktemp -d); cp -r "$dir" "$work/svc";
  (cd "$work/svc" && SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off SLS_DEPRECATION_DISABLE='*' CI=1 \
    node "$ROOT/node_modules/serverless/bin/serverless.js" package --package "$work/out" >"$work/log" 2>&1) || { cat "$work/log"; exit 1; }
  node -e '
    const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    let s = JSON.stringify(t, null, 2).replace(/\d{13}-\d{4}-\d\d-\d\dT[\d:.]+Z/g, "0000000000000-1970-01-01T00:00:00.000Z")
      .replace(/"CodeSha256": "[^"]*"/g, "\"CodeSha256\": \"NORMALISED_CODE_SHA256\"");
    const ids = [...new Set(s.match(/[A-Za-z0-9]+LambdaVersion[A-Za-z0-9]{20,}/g) || [])];
    ids.forEach((id, i) => { s = s.split(id).join(id.replace(/LambdaVersion.*/, "LambdaVersionNORMALISED") + (i ? i : "")); });
    process.stdout.write(s + "\n");' "$work/out/cloudformation-template-update-stack.json" > "$ROOT/test/realistic/serverless_${name//-/_}.json"
  rm -rf "$work"; echo "packaged $name"
done
