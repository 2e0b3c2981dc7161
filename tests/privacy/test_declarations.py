"""Every table that holds a person's id is declared by its domain (export, erasure), so a new one cannot be forgotten."""

from __future__ import annotations

from piccolo.columns import ForeignKey

from backend import apps
from backend.auth.tables import User
from backend.domains import DOMAINS
from backend.lib.personal_data import OnErase
from backend.privacy.service import declarations

INTEGER_USER_COLUMNS = {("audit_log", "actor"), ("mairie_signage_orders", "decided_by"),
                        ("partnership_citizen_referents", "named_by"), ("partnership_conventions", "updated_by"),
                        ("partnership_applications", "decided_by")}
"""Plain integer columns holding a user id (no foreign key): they must be declared too."""


def test_every_column_referencing_a_user_is_declared_by_a_domain():
    declared = {(item.table._meta.tablename, item.column) for _, item in declarations(DOMAINS)}
    references = {(table._meta.tablename, column._meta.name) for table in apps.all_tables()
                  for column in table._meta.columns
                  if isinstance(column, ForeignKey) and column._foreign_key_meta.resolved_references is User}
    missing = sorted((references | INTEGER_USER_COLUMNS) - declared)
    assert not missing, (
        f"columns holding a user id that no domain declares: {missing}. Add a PersonalData for each to the "
        "domain's `personal_data` (backend/<domain>/privacy.py, see backend/lib/personal_data.py): what « Mes "
        "données » exports and what deleting an account does (DELETE, ANONYMISE or KEEP).")
    assert ("users", "id") in declared


def test_declarations_name_real_columns_and_tables_of_their_own_domain():
    for domain_name, item in declarations(DOMAINS):
        assert item.table._meta.get_column_by_name(item.column) is not None, (domain_name, item)
        assert item.table.__module__.startswith(f"backend.{domain_name}."), (domain_name, item.table)
        for column in [*item.hidden, *item.scrub]:
            assert item.table._meta.get_column_by_name(column) is not None, (domain_name, column)
        assert item.label and item.on_erase in OnErase


def test_every_retention_rule_names_a_setting_in_days(fx_settings):
    rules = [rule for d in DOMAINS for rule in d.retention]
    assert {r.setting for r in rules} == {"retention_delivery_days", "retention_expired_classified_days",
                                          "retention_suspect_description_days", "retention_audit_days"}
    assert [getattr(fx_settings, r.setting) for r in sorted(rules, key=lambda r: r.setting)] == [365, 90, 30, 30]
