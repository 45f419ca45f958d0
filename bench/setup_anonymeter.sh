#!/usr/bin/env bash
# A separate environment for anonymeter, the reference for synthgan's privacy attacks.
# anonymeter 1.x pins numpy 1.26 and pyarrow 21; it must never enter synthgan's own
# environment, so it lives here (bench/.anon-venv, git-ignored).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${ANON_VENV:-$HERE/.anon-venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q "anonymeter>=1.0,<2"
"$VENV/bin/python" -c "import anonymeter.evaluators; print('anonymeter ready in $VENV')"
