"""Every view the walkthrough state machine can produce has its text in
data/responses/walkthroughs.yml."""

from __future__ import annotations

import re

from bot.onboarding.walkthroughs import HANDOFF, HELP_AGAIN, PLATFORMS, WALKTHROUGHS

SPECIAL_VIEWS = {"ask_platform", "stopped", "nothing_active", "choose", HELP_AGAIN}
# Views that utter_walkthrough never shows: the handoff is told by utter_handoff_offer.
NOT_SHOWN = {HANDOFF}


def reachable_views() -> set[str]:
    views = set(SPECIAL_VIEWS)
    for walkthrough in WALKTHROUGHS.values():
        views.add(f"finished.{walkthrough.id}")
        for step in walkthrough.steps:
            views.add(f"help.{step.stuck}")
            base = f"{walkthrough.id}.{step.id}"
            if step.per_platform:
                views |= {f"{base}.{p}" for p in PLATFORMS if p != "none"}
            else:
                views.add(base)
    return views


def variants(domain) -> dict[str, dict]:
    return {
        v["condition"][0]["value"]: v
        for v in domain["responses"]["utter_walkthrough"]
        if v.get("condition")
    }


def test_every_reachable_view_has_a_text(domain):
    missing = reachable_views() - set(variants(domain))
    assert not missing, f"views without a text: {sorted(missing)}"


def test_no_text_for_a_view_that_cannot_happen(domain):
    assert set(variants(domain)) <= reachable_views()


def test_steps_show_progress_and_the_four_buttons(domain):
    for view, variant in variants(domain).items():
        if view.split(".")[0] in WALKTHROUGHS:
            assert variant["text"].startswith("{walkthrough_progress}: "), view
            titles = [b["title"] for b in variant["buttons"]]
            if not view.endswith(("new_phone.old_phone_works", "lost_phone.other_method")):
                assert titles[:4] == ["Done", "I'm stuck", "Back", "Stop"], view


def test_scan_steps_offer_the_practice_check(domain):
    for view, variant in variants(domain).items():
        if view.endswith(".scan_qr"):
            assert "/practice_qr" in [b["payload"] for b in variant["buttons"]], view


def test_platform_steps_link_the_right_store(domain):
    for view, variant in variants(domain).items():
        if view.endswith(".iphone"):
            assert re.search(
                r"^(?:(?!play_store_url).)*\{app_store_url\}", variant["text"], re.S
            ), view
        if view.endswith(".android"):
            assert variant["text"].index("{play_store_url}") < variant["text"].find(
                "{app_store_url}"
            ) or ("{app_store_url}" not in variant["text"]), view


def test_the_handoff_has_no_walkthrough_text(domain):
    # It is told by utter_handoff_offer; a text here would be dead and drift from that one.
    assert not NOT_SHOWN & set(variants(domain))
