"""Settings from config/*.toml, VIGIE_* variables and overrides, each value read as its field's type."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend import settings as settings_module
from backend.settings import InvalidSetting, load_settings


@pytest.fixture
def fx_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty config folder in place of config/ (files written by the test)."""
    monkeypatch.setattr(settings_module, "CONFIG_DIR", tmp_path)
    return tmp_path


def test_environment_text_becomes_each_fields_type(fx_config: Path) -> None:
    settings = load_settings(env={
        "VIGIE_PORT": "9100", "VIGIE_SECURE_COOKIES": "false", "VIGIE_DEV_OUTBOX": "TRUE", "VIGIE_ACCESS_LOG": "1",
        "VIGIE_RETRY_BACKOFF_SCALE": "0.25", "VIGIE_PUSH_ALLOWED_HOSTS": "push.example.org, *.push.example.net,",
        "VIGIE_BASE_URL": "https://vigie.example.fr",
    })
    assert settings.port == 9100
    assert settings.secure_cookies is False and settings.dev_outbox is True and settings.access_log is True
    assert settings.retry_backoff_scale == 0.25
    assert settings.push_allowed_hosts == ("push.example.org", "*.push.example.net")
    assert settings.base_url == "https://vigie.example.fr"


def test_toml_files_then_environment_then_overrides(fx_config: Path) -> None:
    (fx_config / "default.toml").write_text(
        'port = 8100\nsmtp_port = 2525\npush_allowed_hosts = ["a.example", "b.example"]\nfuture_key = "kept"\n')
    (fx_config / "staging.toml").write_text("port = 8200\nworker_concurrency = 7\n")
    (fx_config / "local.toml").write_text("worker_concurrency = 8\n")
    settings = load_settings(env={"VIGIE_ENV": "staging", "VIGIE_SMTP_PORT": "2626"}, overrides={"port": 8300})
    assert (settings.port, settings.smtp_port, settings.worker_concurrency) == (8300, 2626, 8)
    assert settings.push_allowed_hosts == ("a.example", "b.example")
    assert settings.extra == {"future_key": "kept"}


@pytest.mark.parametrize("variable,value", [
    ("VIGIE_SECURE_COOKIES", "ture"),  # a typo no longer turns Secure cookies off without a word
    ("VIGIE_PORT", "huit-mille"),
    ("VIGIE_MAINTENANCE_INTERVAL_SECONDS", "5s"),
])
def test_a_value_not_of_its_type_is_refused_naming_the_setting(fx_config: Path, variable: str, value: str) -> None:
    with pytest.raises(InvalidSetting) as refused:
        load_settings(env={variable: value})
    assert variable in str(refused.value)


def test_a_toml_value_not_of_its_type_is_refused(fx_config: Path) -> None:
    (fx_config / "default.toml").write_text('alerts_per_hour = "many"\n')
    with pytest.raises(InvalidSetting, match="alerts_per_hour"):
        load_settings(env={})


def test_the_repositorys_config_files_load() -> None:
    for env in ("dev", "test"):
        settings = load_settings(env={"VIGIE_ENV": env})
        assert settings.env == env
        assert isinstance(settings.port, int) and isinstance(settings.secure_cookies, bool)
