#!/usr/bin/env bash
# Invariant: the repository stands alone. What the code relies on (the sync design, the
# domain's rules, the ENT's API) is restated in docs/ in the project's own words; no code,
# comment or doc points to a file outside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\.\./shared/|(^|[^A-Za-z_/])(DOMAIN|SYNC|CONVENTIONS|TOOLCHAIN|OPEN-ENT-NG|STS-WEB|PACKAGING)\.md'
if git grep -nE "$pattern" -- . ':!scripts/check-self-contained.sh'; then
  echo "check-self-contained: the lines above point outside the repository (restate it in docs/)"
  exit 1
fi
echo "check-self-contained: no reference outside the repository"
