"""Settings from config/*.toml, VIGIE_* variables and overrides, each value read as its field's type."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend import settings as settings_module
from backend.live.service import LiveConfig
from tests.ops.helpers import vigie, vigie_env
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
        'port = 8100\nsmtp_port = 2525\npush_allowed_hosts = ["a.example", "b.example"]\nlive_retry_ms = 2500\n')
    (fx_config / "staging.toml").write_text("port = 8200\nworker_concurrency = 7\n")
    (fx_config / "local.toml").write_text("worker_concurrency = 8\n")
    settings = load_settings(env={"VIGIE_ENV": "staging", "VIGIE_SMTP_PORT": "2626"}, overrides={"port": 8300})
    assert (settings.port, settings.smtp_port, settings.worker_concurrency) == (8300, 2626, 8)
    assert settings.push_allowed_hosts == ("a.example", "b.example")
    assert settings.live_retry_ms == 2500


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


def test_an_unknown_toml_key_is_refused_naming_it_and_its_file(fx_config: Path) -> None:
    (fx_config / "default.toml").write_text("port = 8100\nsmtp_starttsl = true\n")  # a typo of smtp_starttls
    with pytest.raises(InvalidSetting) as refused:
        load_settings(env={})
    assert "smtp_starttsl" in str(refused.value) and "default.toml" in str(refused.value)


def test_an_unknown_vigie_variable_is_refused_naming_it(fx_config: Path) -> None:
    with pytest.raises(InvalidSetting) as refused:
        load_settings(env={"VIGIE_SMTP_PASSWD": "secret", "VIGIE_PORT": "9000"})
    assert "VIGIE_SMTP_PASSWD" in str(refused.value)
    # the variables of the project's own scripts are not settings, and not refused
    assert load_settings(env={"VIGIE_TEST_PROCESSES": "0", "VIGIE_E2E_ON_POSTGRES": "1"}).port == 8000


def test_the_live_stream_options_are_typed_settings(fx_config: Path) -> None:
    settings = load_settings(env={"VIGIE_LIVE_PING_SECONDS": "0.5", "VIGIE_LIVE_BACKLOG": "32"})
    assert LiveConfig.from_settings(settings) == LiveConfig(ping_seconds=0.5, backlog=32)
    with pytest.raises(InvalidSetting, match="VIGIE_LIVE_RETRY_MS"):
        load_settings(env={"VIGIE_LIVE_RETRY_MS": "soon"})


def test_the_repositorys_config_files_load() -> None:
    for env in ("dev", "test"):
        settings = load_settings(env={"VIGIE_ENV": env})
        assert settings.env == env
        assert isinstance(settings.port, int) and isinstance(settings.secure_cookies, bool)


def test_the_production_example_holds_only_known_settings(fx_config: Path) -> None:
    example = settings_module.ROOT / "config" / "production.example.toml"
    (fx_config / "production.toml").write_text(example.read_text())
    assert load_settings(env={"VIGIE_ENV": "production"}).is_production


def test_vigie_refuses_to_start_on_an_unknown_variable_naming_it() -> None:
    done = vigie("migrate", env=vigie_env(smtp_passwd="secret"))  # VIGIE_SMTP_PASSWD: a typo of smtp_password
    assert done.returncode == 2, done.stdout + done.stderr
    assert "VIGIE_SMTP_PASSWD" in done.stderr and "Traceback" not in done.stderr
    assert "Base de données" not in done.stdout  # nothing ran
