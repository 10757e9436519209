#!/usr/bin/env bash
# Install and start the monitor. Without data it builds the demo municipality first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" requirements.txt
exec .venv/bin/streamlit run app.py "$@"
