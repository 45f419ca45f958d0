#!/usr/bin/env bash
# Create the peers' virtual environment (bench/.peers-venv, git-ignored) used by the
# benchmark scripts that compare synthgan with other libraries.
#
# The peers (sdmetrics, and later sdv, mostlyai-engine) are never dependencies of
# synthgan or its tests: sdmetrics pulls in the BSL-licensed copulas package, so it
# lives only here. torch is pinned and installed FIRST, because an unpinned torch
# pulled in by a peer resolves to a multi-GB CUDA build.
#
# Usage: bash bench/setup_peers.sh            # create or update the venv
#        PEERS_VENV=/tmp/v bash bench/setup_peers.sh
#
# To add a peer, append a line to PEERS below (pip requirement syntax).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${PEERS_VENV:-$HERE/.peers-venv}"
PYTHON="${PYTHON:-python3}"
TORCH_SPEC="torch==2.13.0"

# One requirement per line. sdv: CTGAN, TVAE, GaussianCopula (SDV 2.x);
# mostlyai-engine: TabularARGN. Pinned so benchmark figures stay comparable.
PEERS=(
  "sdmetrics"
  "sdv>=2,<3"
  "mostlyai-engine==2.7.3"
  "psutil"
)

if [ ! -x "$VENV/bin/python" ]; then
  echo "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --quiet)

# 1) torch first, pinned (the CPU wheel when the machine's pip config provides it).
"${PIP[@]}" "$TORCH_SPEC"

# 2) the peers, with torch held at the pinned version.
CONSTRAINTS="$(mktemp)"
trap 'rm -f "$CONSTRAINTS"' EXIT
echo "$TORCH_SPEC" > "$CONSTRAINTS"
for peer in "${PEERS[@]}"; do
  echo "installing $peer"
  "${PIP[@]}" --constraint "$CONSTRAINTS" "$peer"
done

# mostlyai-engine pulls torchvision/torchaudio from PyPI, built for CUDA torch: with the CPU
# torch they fail to load, and transformers (imported by mostlyai) then crashes on import.
# TabularARGN uses neither, and transformers skips them when absent, so remove them.
"$VENV/bin/python" -m pip uninstall --quiet --yes torchvision torchaudio || true

# 3) the project itself (its dependencies resolve with torch held at the pin),
#    so bench scripts can import synthgan next to the peers.
"${PIP[@]}" --constraint "$CONSTRAINTS" -e "$HERE/.."

"$VENV/bin/python" - <<'PY'
import importlib.metadata as md
for name in ("torch", "sdmetrics", "sdv", "ctgan", "mostlyai-engine", "psutil"):
    try:
        print(f"{name}=={md.version(name)}")
    except md.PackageNotFoundError:
        print(f"{name}: not installed")
PY
