"""Runs AWS SAM's own translator (aws-sam-translator, `samtranslator`) on a template, offline.

Reads one JSON object on stdin: {"template": {...}, "parameters": {...}} and writes one JSON object on stdout:
  {"ok": true, "output": {...}, "sarCalls": [[ApplicationId, SemanticVersion], ...]}
  {"ok": false, "errors": ["...", ...]}   (samtranslator's InvalidDocumentException causes, one per line)

`AWS::Serverless::Application` resources make the translator call the Serverless Application Repository
(CreateCloudFormationTemplate). A stub client stands in for it: it records the call and answers an ACTIVE
template URL, so nothing leaves the machine. Used by test/integration/sar.test.ts.
"""

import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the translator needs a Region for pseudo parameters

from samtranslator.model.exceptions import InvalidDocumentException  # noqa: E402
from samtranslator.parser.parser import Parser  # noqa: E402
from samtranslator.plugins.application.serverless_app_plugin import ServerlessAppPlugin  # noqa: E402
from samtranslator.translator.translator import Translator  # noqa: E402

STUB_TEMPLATE_URL = "https://awsserverlessrepo-changesets.s3.amazonaws.com/stub/template.yaml"


class StubSar:
    def __init__(self):
        self.calls = []

    def create_cloud_formation_template(self, ApplicationId, SemanticVersion):  # noqa: N803 (boto3 names)
        self.calls.append([ApplicationId, SemanticVersion])
        return {
            "ApplicationId": ApplicationId,
            "SemanticVersion": SemanticVersion,
            "Status": "ACTIVE",
            "TemplateId": "stub-template-id",
            "TemplateUrl": STUB_TEMPLATE_URL,
        }


def main():
    request = json.load(sys.stdin)
    sar = StubSar()
    translator = Translator(None, Parser(), plugins=[ServerlessAppPlugin(sar_client=sar)])
    try:
        output = translator.translate(request["template"], parameter_values=request.get("parameters", {}))
    except InvalidDocumentException as e:
        json.dump({"ok": False, "errors": [c.message for c in e.causes]}, sys.stdout)
        return
    json.dump({"ok": True, "output": output, "sarCalls": sar.calls, "stubTemplateUrl": STUB_TEMPLATE_URL}, sys.stdout)


if __name__ == "__main__":
    main()
