# Fresh machine, Python 3.11 only:  `make reports` builds every report;  `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup reports test lab benchmark clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

reports: setup
	$(BIN)/ntm build

test: setup
	$(BIN)/python -m pytest

# JupyterLab refuses to run as root without --allow-root (containers, CI): add it only then.
lab: setup
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

benchmark: setup
	$(BIN)/python benchmarks/pack.py

clean:
	rm -rf $(VENV) outputs/*/ outputs/*.html outputs/*.json
