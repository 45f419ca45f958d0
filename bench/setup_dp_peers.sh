#!/usr/bin/env bash
# Create the DP peers' virtual environment (bench/.dp-peers-venv, git-ignored) holding
# smartnoise-synth (DPCTGAN, PATECTGAN, MST), run by bench/dp_peers_worker.py as a
# separate process for side-by-side benchmarks.
#
# smartnoise-synth is never a dependency of synthgan or its tests, and synthgan is NOT
# installed here: the worker only needs pandas, numpy and snsynth.
#
# torch is pinned and installed FIRST, and every later install runs with a constraints
# file holding that pin, because an unpinned torch pulled in by a dependency (opacus)
# resolves to a multi-GB CUDA build.
#
# Usage: bash bench/setup_dp_peers.sh            # create or update the venv
#        DP_PEERS_VENV=/tmp/v bash bench/setup_dp_peers.sh
#
# Version notes (checked with `pip install --dry-run` on Python 3.11, torch 2.13.0+cpu):
# * smartnoise-synth 1.0.8 is the newest release. Its metadata pins
#   opacus>=0.14.0,<0.15.0 and mbi>=1.1.0,<2. opacus 0.14.0 only asks for torch>=1.3,
#   so the resolver accepts it next to torch 2.13 and the plain install works: no
#   --no-deps workaround is needed. (Newer opacus 1.x has a different PrivacyEngine API
#   that snsynth's DPCTGAN does not use, so opacus must stay at 0.14.) opacus 0.14 on
#   torch 2.13 warns that its non-full backward hooks are deprecated; its per-sample
#   gradients of Linear layers (all DPCTGAN needs) were checked against per-sample
#   autograd and agree to 1e-7.
# * mbi (private-pgm) 1.1.0 is the JAX-based release on PyPI; MST imports it as `mbi`.
#   mbi 2.x is excluded by snsynth's own pin.
# * snsynth.pytorch.nn.ctgan imports `packaging`, which smartnoise-synth does not declare,
#   so it is listed explicitly (DPCTGAN/PATECTGAN fail to import without it).
# * The versions below are pinned so that benchmark figures stay comparable.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${DP_PEERS_VENV:-$HERE/.dp-peers-venv}"
PYTHON="${PYTHON:-python3}"
TORCH_SPEC="torch==2.13.0"

PEERS=(
  "smartnoise-synth==1.0.8"
  "opacus==0.14.0"
  "mbi==1.1.0"
  # snsynth's ctgan module imports `packaging` without declaring it.
  "packaging"
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
echo "installing ${PEERS[*]}"
"${PIP[@]}" --constraint "$CONSTRAINTS" "${PEERS[@]}"

# 3) smoke test: the three synthesizers the worker uses can be created.
"$VENV/bin/python" - <<'PY'
from snsynth import Synthesizer
for name in ("mst", "dpctgan", "patectgan"):
    Synthesizer.create(name, epsilon=1.0)
print("snsynth: mst, dpctgan, patectgan OK")
PY

"$VENV/bin/python" - <<'PY'
import importlib.metadata as md
for name in ("torch", "smartnoise-synth", "smartnoise-sql", "opacus", "mbi", "jax",
             "opendp", "packaging", "numpy", "pandas", "scipy"):
    try:
        print(f"{name}=={md.version(name)}")
    except md.PackageNotFoundError:
        print(f"{name}: not installed")
PY
