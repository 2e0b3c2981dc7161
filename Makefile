# Vigie — two commands on a fresh Debian machine:
#   make run    set everything up and serve the app on http://127.0.0.1:8000
#   make test   set everything up and run the whole suite (SQLite, then PostgreSQL if installed)

.PHONY: run test setup bench bench-scale clean

run:
	@scripts/bootstrap.sh run
	@.venv/bin/vigie run

test:
	@scripts/bootstrap.sh test
	@scripts/test.sh

setup:
	@scripts/bootstrap.sh test

bench:
	@scripts/bootstrap.sh test
	@.venv/bin/python bench/fanout.py
	@.venv/bin/python bench/api.py
	@echo "At the network's size (300,000 members, ~6 min, needs PostgreSQL's server binaries:"
	@echo "apt-get install postgresql; bench/scale.py starts its own throwaway cluster as the tests do): make bench-scale"

bench-scale:
	@scripts/bootstrap.sh test
	@.venv/bin/python bench/scale.py

clean:
	rm -rf var .venv
