#!/usr/bin/env bash
# A Parameter Store and Documents session against a running `steward dev`.
# Usage: examples/parameter-store.sh [endpoint] [data-dir]
set -euo pipefail
EP=${1:-http://127.0.0.1:4580}
DATA=${2:-.steward}
export AWS_SHARED_CREDENTIALS_FILE=$DATA/credentials AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=
aws() { command aws --endpoint-url "$EP" "$@"; }

aws sts get-caller-identity
aws ssm put-parameter --name /example/AccountName_ja --type SecureString --value '本番アカウント' --overwrite
echo "decrypted: $(aws ssm get-parameters --names /example/AccountName_ja --with-decryption --query 'Parameters[0].Value' --output text)"
echo "stored:    $(aws ssm get-parameter --name /example/AccountName_ja --query Parameter.Value --output text | cut -c1-40)…"

tmp=$(mktemp -d)
cat > "$tmp/doc.json" <<'JSON'
{
  "schemaVersion": "2.2",
  "description": "Print a message",
  "parameters": {"message": {"type": "String", "default": "hello"}},
  "mainSteps": [
    {"action": "aws:runShellScript", "name": "print", "inputs": {"runCommand": ["echo {{ message }}"]}}
  ]
}
JSON
aws ssm delete-document --name ExamplePrint 2>/dev/null || true
aws ssm create-document --name ExamplePrint --document-type Command --content "file://$tmp/doc.json" --query 'DocumentDescription.[Name,DocumentVersion,Status]' --output text
aws ssm get-document --name ExamplePrint --document-format YAML --query Content --output text
aws ssm list-documents --filters Key=Owner,Values=Amazon --query 'DocumentIdentifiers[].Name' --output text
rm -rf "$tmp"
