#!/usr/bin/env bash
# Installs everything normlab needs on Debian 12, from Debian's own packages only.
# Usage: scripts/setup.sh [--torch]   (--torch adds python3-torch, needed only to
# regenerate PyTorch fixtures and to run scripts/compare_pytorch.py)
# slurm-wlm and munge are for the real-Slurm test (tests/slurm, scripts/slurm_cluster.sh): a
# one-node cluster on localhost; none of their services is enabled or started by normlab.
# openmpi-bin and libopenmpi-dev are for data-parallel runs (ranks > 1); a build without MPI still builds.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libxtensor-dev libxtensor-blas-dev libxsimd-dev libopenblas-dev libxsmm-dev
  libboost-dev libboost-math-dev zlib1g-dev
  libbenchmark-dev catch2 libfmt-dev libtomlplusplus-dev
  python3 python3-numpy python3-matplotlib python3-pandas
  slurm-wlm slurm-client munge
  openmpi-bin libopenmpi-dev  # data-parallel runs (ranks > 1) and their tests under mpirun
  clang-14 libclang-rt-14-dev libomp-14-dev  # the libFuzzer build (-DNORMLAB_FUZZ=ON, tests/fuzz)
)
if [[ "${1:-}" == "--torch" ]]; then
  packages+=(python3-torch)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
