#!/usr/bin/env bash
# Installs everything aigc needs to build and test on a fresh Debian 12 machine.
# Safe to run repeatedly: installs only what is missing. Needs root or sudo for apt-get.
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config ccache git python3 python3-pip clang libclang-rt-14-dev
          libeigen3-dev libdnnl-dev ocl-icd-opencl-dev libfmt-dev doctest-dev pybind11-dev nlohmann-json3-dev
          zlib1g-dev python3-numpy python3-torch
          python3-dev python3-venv libomp-14-dev)  # libomp-14-dev: clang's OpenMP (fuzz tree); python3-dev: the Python package's build (FindPython Development.Module)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all Debian packages present"
fi

if command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ]; then
  echo "setup: CUDA toolkit found: the CUDA backend will be compiled"
else
  echo "setup: no nvcc: the CUDA backend is skipped (install the CUDA toolkit to build it)"
fi
