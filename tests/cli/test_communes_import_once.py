"""`vigie run` imports the official list of communes only when the shipped file changed since the last import."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.conftest import migrated_copy
from tests.cli.test_vigie_command import vigie

LIST = "45234\tOrléans\t45\t45000,45100\t116617\n75056\tParis\t75\t75001,75002\t2133111\n"


def test_second_start_does_not_import_and_a_changed_file_does(tmp_path: Path, fx_migrated_sqlite: Path):
    migrated_copy(fx_migrated_sqlite, tmp_path / "cli.db")
    listed = tmp_path / "communes.tsv"
    listed.write_text(LIST, encoding="utf-8")

    first = vigie(tmp_path, "communes", "import", "--if-changed", "--file", str(listed))
    assert first.returncode == 0, first.stderr
    assert "2 communes (2 ajoutée(s)" in first.stdout

    second = vigie(tmp_path, "communes", "import", "--if-changed", "--file", str(listed))
    assert second.returncode == 0, second.stderr
    assert "inchangée depuis le dernier import" in second.stdout

    listed.write_text(LIST.replace("116617", "117000"), encoding="utf-8")  # a new population: a new file
    third = vigie(tmp_path, "communes", "import", "--if-changed", "--file", str(listed))
    assert "2 communes (0 ajoutée(s), 1 mise(s) à jour" in third.stdout, third.stdout + third.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("SELECT population FROM official_communes WHERE insee_code = '45234'").fetchone() == (117000,)
        assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'communes.import'").fetchone() == (2,)

    # asked by hand without --if-changed, the import runs whatever the checksum
    forced = vigie(tmp_path, "communes", "import", "--file", str(listed))
    assert "0 mise(s) à jour, 2 inchangée(s)" in forced.stdout


def test_a_database_emptied_of_the_list_is_filled_again(tmp_path: Path, fx_migrated_sqlite: Path):
    migrated_copy(fx_migrated_sqlite, tmp_path / "cli.db")
    listed = tmp_path / "communes.tsv"
    listed.write_text(LIST, encoding="utf-8")
    assert "2 ajoutée(s)" in vigie(tmp_path, "communes", "import", "--if-changed", "--file", str(listed)).stdout
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute("DELETE FROM official_communes")
    assert "2 ajoutée(s)" in vigie(tmp_path, "communes", "import", "--if-changed", "--file", str(listed)).stdout
