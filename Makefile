# The front door: `make run` starts the demo workspace, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# test processes for `make test` and `make test-fast` (pytest-xdist); TEST_WORKERS=0 runs in this one
TEST_WORKERS ?= 3
DEMO_DB ?= instance/demo.db

.DEFAULT_GOAL := help
.PHONY: help install run serve test test-fast bench bench-pages bench-load bench-themes bench-corrected bench-alerts bench-accuracy bench-sentiment bench-ceiling bench-ratings bench-demo sentiment-model extension docs lint format clean

help:
	@echo "make run    install, load the demo workspace and serve it on http://$(HOST):$(PORT)/"
	@echo "make serve  serve the workspace named by GAPWATCH_DB (default instance/gapwatch.db)"
	@echo "make test   install what the tests need and run the whole suite"
	@echo "make test-fast  the edit loop: the suite without browsers, other processes and slow tests"
	@echo "make bench  import, tagging and crawl speed (bench/ingest.py, bench/classify.py, bench/crawl.py)"
	@echo "make bench-pages  page and API speed with 1,000,000 comments (bench/pages.py, about 10 minutes)"
	@echo "make bench-load  50 clients clipping and reading the overview for 60 s (bench/load.py)"
	@echo "make bench-themes  themes: outlier share, stability with 5 % more comments, time on 100,000 (bench/themes.py)"
	@echo "make bench-corrected  coverage of corrected shares' intervals on simulated data (bench/corrected.py)"
	@echo "make bench-alerts     false-alarm rate and detection of the alert rules on simulated data (bench/alerts.py)"
	@echo "make bench-accuracy  classifier accuracy on ../shared/eval (about 15 minutes)"
	@echo "make bench-sentiment  sentiment on app reviews, tweets and laptop polarities (../shared/eval): shipped vs before vs a frozen head"
	@echo "make bench-ceiling  the sentiment recipe trained inside each evaluation set (../shared/eval): how far this encoder goes"
	@echo "make bench-ratings  the ratings adaptation on real app reviews (../shared/eval): before vs after, on reviews it never saw"
	@echo "make bench-demo  the demo as the classifier reads it, against what each comment was written to say"
	@echo "make sentiment-model  rebuild the shipped sentiment model from ../shared/train (about an hour on 2 cores)"
	@echo "make extension  build dist/gapwatch-chrome.zip and dist/gapwatch-firefox.zip"
	@echo "make lint   ruff check and format check, the references in docs/ up to date, the import contracts"
	@echo "make docs   write the references in docs/ (commands, settings, endpoints, pages) from the code"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pip compiles what it installs to bytecode on one core; this does it on all of them (a file that
# does not compile, such as torch's examples for newer Pythons, is left to compile on import, as pip
# leaves it)
COMPILE = @$(BIN)/python -m compileall -q -j 0 "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" > /dev/null || true

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "==> Installing Gapwatch and its dependencies into $(VENV) (a few minutes the first time)"
	$(BIN)/pip install --disable-pip-version-check --progress-bar on --no-compile -e .
	$(COMPILE)
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	@echo "==> Installing Gapwatch and what its tests need into $(VENV) (a few minutes the first time)"
	$(BIN)/pip install --disable-pip-version-check --progress-bar on --no-compile -e '.[test]'
	$(COMPILE)
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

run: $(VENV)/.installed
	@echo "==> 1/5 Loading the demo workspace"
	GAPWATCH_DB=$${GAPWATCH_DB:-$(DEMO_DB)} $(BIN)/gapwatch demo
	@echo "==> 2/5 Tagging the comments (attributes and sentiment)"
	GAPWATCH_DB=$${GAPWATCH_DB:-$(DEMO_DB)} $(BIN)/gapwatch classify
	@echo "==> 3/5 Finding the themes customers raise"
	GAPWATCH_DB=$${GAPWATCH_DB:-$(DEMO_DB)} $(BIN)/gapwatch themes --if-changed > /dev/null
	@echo "==> 4/5 Checking the alert rules"
	GAPWATCH_DB=$${GAPWATCH_DB:-$(DEMO_DB)} $(BIN)/gapwatch alerts check | tail -n 1
	@echo "==> 5/5 Starting the server"
	GAPWATCH_DB=$${GAPWATCH_DB:-$(DEMO_DB)} $(BIN)/gapwatch serve --host $(HOST) --port $(PORT)

serve: $(VENV)/.installed
	$(BIN)/gapwatch init
	$(BIN)/gapwatch serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	@bash scripts/ensure-chromium.sh
	@bash scripts/ensure-firefox.sh
	@bash scripts/ensure-redis.sh
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The edit loop: everything but what starts a browser or another process, and what is marked slow
# (see tests/conftest.py); `make test` still runs everything.
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup -m "not browser and not subprocess and not slow" $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/classify.py
	$(BIN)/python bench/crawl.py

bench-pages: $(VENV)/.installed
	$(BIN)/python bench/pages.py

bench-load: $(VENV)/.installed
	$(BIN)/python bench/load.py

bench-themes: $(VENV)/.installed
	$(BIN)/python bench/themes.py

bench-corrected: $(VENV)/.installed
	$(BIN)/python bench/corrected.py

bench-alerts: $(VENV)/.installed
	$(BIN)/python bench/alerts.py

extension: | $(BIN)/python
	$(BIN)/python scripts/build_extension.py

bench-accuracy: $(VENV)/.installed
	$(BIN)/python bench/accuracy.py

bench-sentiment: $(VENV)/.installed
	$(BIN)/python bench/sentiment.py

bench-ceiling: $(VENV)/.installed
	$(BIN)/python bench/ceiling.py

bench-ratings: $(VENV)/.installed
	$(BIN)/python bench/ratings.py

bench-demo: $(VENV)/.installed
	$(BIN)/python bench/demo.py

sentiment-model: $(VENV)/.installed
	$(BIN)/python -m classifiers.build_sentiment

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cog -I docs --check docs/*.md
	$(BIN)/lint-imports

# the references in docs/ (commands, settings, endpoints, pages), written again from the code
docs: $(VENV)/.installed-test
	$(BIN)/cog -I docs -r docs/*.md

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
