"""The inbound-SMS dispatcher (backend/delivery/inbound.py): domains register their command words,
tried by priority; a command that is not for this SMS passes it on. The webhook itself is tested
end to end in tests/alerts/test_sms_*, tests/checkins and tests/mairie."""

from __future__ import annotations

from backend.delivery import inbound
from backend.delivery.inbound import Handled, InboundSms, Member, SmsCommand, SmsContext
from backend.domains import DOMAINS


def context(text: str) -> SmsContext:
    return SmsContext(app=None, message=InboundSms(id="m1", text=text, sender="+33612345678"),  # type: ignore[arg-type]
                      member=Member(user_id=1, community_id=2, community_name="Les Tilleuls"))


async def test_commands_are_tried_by_priority_and_pass_the_sms_on_when_it_is_not_theirs():
    tried: list[str] = []

    def command(name: str, answer: bool, words: frozenset[str] = frozenset(), priority: int = 50) -> SmsCommand:
        async def handle(ctx: SmsContext) -> Handled | None:
            tried.append(name)
            return Handled(name, f"réponse {name}") if answer else None
        return SmsCommand(name, handle, words, priority)

    commands = [command("fallback", True, priority=inbound.FALLBACK),
                command("answer_when_open", False, frozenset({"OUI"}), inbound.ANSWER),
                command("command", True, frozenset({"OUI", "STOP"}), inbound.COMMAND)]

    assert await inbound.dispatch(commands, context("  Oui ! ")) == Handled("command", "réponse command")
    assert tried == ["answer_when_open", "command"]

    tried.clear()
    assert (await inbound.dispatch(commands, context("Fuite d'eau rue des Lilas"))).status == "fallback"
    assert tried == ["fallback"]  # words of other commands: not even asked

    assert await inbound.dispatch([], context("OUI")) == Handled("ignored")


def test_the_wiring_gathers_every_domains_commands_in_their_order():
    commands = inbound.ordered(c for d in DOMAINS for c in d.sms_commands)
    assert [c.name for c in commands] == ["safety_answer", "register_confirm", "checkin_consent", "stop", "help",
                                          "register_ok", "checkin_ok", "alert"]
    assert {d.name for d in DOMAINS if d.sms_commands} == {"mairie", "checkins", "delivery", "alerts", "register"}
    words = {c.name: c.words for c in commands}
    assert words["safety_answer"] == {"OUI", "AIDE"} and words["checkin_consent"] == {"OUI", "NON"}
    assert words["register_confirm"] == {"OUI", "NON"} and words["register_ok"] == frozenset()
    assert words["stop"] == {"STOP", "ARRET"} and words["help"] == {"AIDE", "HELP", "INFO"}


def test_command_words_ignore_case_accents_and_punctuation():
    assert [inbound.command_word(t) for t in ("« Arrêt ! »", " ok. ", "Oui, merci")] == ["ARRET", "OK", "OUI MERCI"]
