"""The `vigie` command on a fresh database: migrate, demo, vapid, user, letters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from backend.settings import ROOT


def vigie(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIE_")}
    env.update({"VIGIE_ENV": "test", "VIGIE_DATABASE_URL": f"sqlite:///{tmp / 'cli.db'}", "VIGIE_VAR_DIR": str(tmp),
                "VIGIE_OUTBOX_DIR": str(tmp / "outbox"), "VIGIE_VAPID_PRIVATE_KEY_FILE": str(tmp / "vapid.pem"),
                "VIGIE_LOG_LEVEL": "WARNING"})
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_fresh_install_migrates_seeds_demo_and_prints_letters(tmp_path):
    assert vigie(tmp_path, "migrate").returncode == 0
    again = vigie(tmp_path, "migrate")  # idempotent
    assert again.returncode == 0

    demo = vigie(tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "vigie-demo-2026" in demo.stdout and "admin@demo.vigie.fr" in demo.stdout
    assert "déjà" in vigie(tmp_path, "demo").stdout  # never twice on a non-empty database

    vapid = vigie(tmp_path, "vapid")
    assert vapid.returncode == 0 and (tmp_path / "vapid.pem").exists()
    public = vapid.stdout.strip().splitlines()[-1].split(" : ")[1]
    assert len(public) == 87  # 65-byte uncompressed P-256 point, base64url
    assert vigie(tmp_path, "vapid").stdout.strip().splitlines()[-1].endswith(public)  # kept, not regenerated

    letters = vigie(tmp_path, "letters", "-o", str(tmp_path / "courriers.pdf"))
    assert letters.returncode == 0 and "1 courrier(s)" in letters.stdout  # Paul, the pending demo resident
    text = PdfReader(tmp_path / "courriers.pdf").pages[0].extract_text()
    assert "PAUL MARTIN" in text and "CODE : " in text
    assert "Aucun courrier" in vigie(tmp_path, "letters", "-o", str(tmp_path / "b.pdf")).stdout

    user = vigie(tmp_path, "user", "chef@example.fr", "--password", "mot-de-passe-solide", "--admin")
    assert user.returncode == 0 and "créé" in user.stdout
