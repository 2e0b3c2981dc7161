"""The public privacy page: what Vigie keeps, why and how long, from the domains' declarations and the settings."""

from __future__ import annotations

from typing import Sequence

from backend.lib.domain import Domain
from backend.lib.personal_data import OnErase
from backend.privacy.schemas import KeptData, PrivacyPolicy, RetentionLine
from backend.settings import Settings

AFTER_DELETION = {
    OnErase.DELETE: "Effacé avec votre compte.",
    OnErase.ANONYMISE: "Reste pour le quartier, signé « Ancien membre » : votre nom n'y figure plus.",
    OnErase.DETACH: "Gardé par la mairie qui le tient, sans lien avec votre compte ; demandez-lui de l'effacer.",
}


def privacy_policy(settings: Settings, domains: Sequence[Domain]) -> PrivacyPolicy:
    """Every kind of data held about a person (what deletion does to it) and every retention rule with its days."""
    data: list[KeptData] = []
    seen: set[str] = set()
    retention = [RetentionLine(setting=rule.setting, what=rule.what, why=rule.why, days=getattr(settings, rule.setting))
                 for domain in domains for rule in domain.retention]
    audit_days = settings.retention_audit_days
    for domain in domains:
        for item in domain.personal_data:
            if not item.export or item.label in seen:
                continue
            seen.add(item.label)
            after = AFTER_DELETION.get(item.on_erase, f"Gardé {audit_days} jours au plus, pour rendre compte des "
                                                       "décisions prises, puis effacé.")
            data.append(KeptData(label=item.label, after_deletion=after))
    return PrivacyPolicy(account_erase_grace_days=settings.account_erase_grace_days, data=data, retention=retention)
