# Everything a newcomer needs: `make demo` and `make test`. Nothing else to install by hand.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
export KOSHU_DATA_DIR ?= var

# Debian packages: LibreOffice renders slide images, Noto fonts carry Japanese, Chinese,
# Khmer, Myanmar, Thai and Devanagari, Chromium takes page screenshots in browser tests.
SYSTEM_PACKAGES := libreoffice-impress-nogui fonts-noto-core fonts-noto-cjk fonts-noto-ui-core \
	chromium chromium-driver

.PHONY: install install-runtime system-packages demo serve test bench bench-load lint decks messages clean

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# What the Docker image installs: the same package, without the developer tools.
install-runtime:
	$(PYTHON) -m pip install --no-cache-dir .

# Needs root and apt-get; elsewhere it says so and the app falls back to HTML slides.
system-packages:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		if ! dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
		fi; echo "system packages: installed"; \
	else echo "system packages: skipped (needs root and apt-get); slides are shown as HTML"; fi

demo: install
	-@$(MAKE) --no-print-directory system-packages
	$(BIN)/koshu migrate
	$(BIN)/koshu load-samples
	@echo ""
	@echo "Koshu demo: http://127.0.0.1:8000/  (API docs: http://127.0.0.1:8000/docs)"
	$(BIN)/koshu load-demo
	@echo ""
	$(BIN)/koshu serve --host 127.0.0.1 --port 8000

serve: install
	$(BIN)/koshu migrate
	$(BIN)/koshu serve

test: install
	$(BIN)/pytest

# Every benchmark in one run, ending with all their targets together (docs/capacity.md): the
# live lecture on PostgreSQL, then many lectures at once on 4 app processes and a worker.
# The database's name must contain "bench": it is emptied first (created when missing).
# BENCH_DATABASE_URL= (empty) runs the live lecture on SQLite and leaves out the load test.
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/koshu_load_bench
bench: install
	$(BIN)/python -m tests.benchmarks $(if $(BENCH_DATABASE_URL),--postgres $(BENCH_DATABASE_URL))

# The load test alone. Bounded: 5 minutes at most.
BENCH_LOAD_ARGS ?= --processes 4 --lectures 20 --phones 250 --changes 40
bench-load: install
	$(BIN)/python -m tests.benchmarks.load_bench --database-url $(BENCH_DATABASE_URL) $(BENCH_LOAD_ARGS)

lint: install
	$(BIN)/ruff check app tests slides migrations

# Refresh the message template after changing user-facing text; translate the new entries in
# app/translations/<tag>.po (tests fail while a Japanese translation is missing).
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k gettext:2 -k _ --no-location --omit-header \
		--sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -o app/translations/ja.po -l ja \
		--no-fuzzy-matching --ignore-obsolete

decks: install
	$(BIN)/python slides/build_decks.py

clean:
	rm -rf $(VENV) var
