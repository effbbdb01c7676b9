# Two commands for a fresh machine: `make run` and `make test`. Everything else is a step of those.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup train run production chat console test bench image try-compose try-systemd lint format clean

$(STAMP): pyproject.toml constraints.txt scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

train: setup
	$(PY) -m bot train

run: train
	$(PY) -m bot run

# PostgreSQL, Redis, Rasa replicas behind nginx (docs/operations.md).
production: train
	bash scripts/ensure-services.sh
	bash scripts/ensure-nginx.sh
	$(PY) -m bot production

chat: setup
	$(PY) -m bot chat

console: setup
	$(PY) -m bot console

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint train
	bash scripts/ensure-services.sh
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-nginx.sh
	bash scripts/ensure-ops-tools.sh
	$(PY) -m pytest

# docs/benchmarks.md and its plot; QUICK=1: no training, short load levels (about 5 minutes).
bench: train
	bash scripts/ensure-services.sh
	bash scripts/ensure-nginx.sh
	$(PY) -m bench $(if $(QUICK),--quick)

# The container image (deploy/container/, docs/operations.md); not part of `make test`.
image: train
	bash scripts/build-image.sh

# The compose file's production profile from that image, tried and removed again.
try-compose: image
	bash scripts/try-compose.sh

# The systemd units under a real systemd (PID 1 in a container from that image), tried and removed.
try-systemd: image
	bash scripts/try-systemd.sh

clean:
	rm -rf var results .pytest_cache
