"""Step-by-step walkthroughs as a small state machine, independent of Rasa.

The state is three slot values (walkthrough, step, status) plus the platform, so a
conversation resumed after a server restart continues at the same step. Each transition
returns the new state and the *view* that `utter_walkthrough` shows; texts live in
data/responses/walkthroughs.yml.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.locales import DEFAULT_LANGUAGE, text

ACTIVE = "active"
PAUSED = "paused"
ASKING_PLATFORM = "asking_platform"
# Status and view when no sign-in method is left: the rules offer a ticket next, with
# utter_handoff_offer instead of utter_walkthrough (bot/handoff).
HANDOFF = "handoff"
PLATFORMS = ("iphone", "android", "none")
# "I'm stuck" again right after the help: the view that offers a person.
HELP_AGAIN = "help.again"


@dataclass(frozen=True)
class Step:
    id: str
    stuck: str  # kind of help for "I'm stuck": the view is help.<stuck>
    per_platform: bool = False
    question: bool = False  # a yes/no question: "no" hands over to the servicedesk


@dataclass(frozen=True)
class Walkthrough:
    id: str
    steps: tuple[Step, ...]

    @property
    def needs_platform(self) -> bool:
        return any(step.per_platform for step in self.steps)

    def index(self, step_id: str | None) -> int:
        ids = [step.id for step in self.steps]
        return ids.index(step_id) if step_id in ids else 0


INSTALL = Step("install", "install", per_platform=True)
OPEN_SECURITY_INFO = Step("open_security_info", "wizard")
ADD_ACCOUNT = Step("add_account", "add_account")
SCAN_QR = Step("scan_qr", "qr")
APPROVE = Step("approve", "notification")
ENTER_NUMBER = Step("enter_number", "number")
ENTER_SMS_CODE = Step("enter_sms_code", "sms_code")

WALKTHROUGHS: dict[str, Walkthrough] = {
    w.id: w
    for w in (
        Walkthrough(
            "first_setup",
            (INSTALL, Step("permissions", "permissions"), Step("start_wizard", "wizard"),
             ADD_ACCOUNT, SCAN_QR, APPROVE),
        ),
        Walkthrough("existing_app", (OPEN_SECURITY_INFO, ADD_ACCOUNT, SCAN_QR, APPROVE)),
        Walkthrough("backup_device", (INSTALL, OPEN_SECURITY_INFO, ADD_ACCOUNT, SCAN_QR, APPROVE)),
        Walkthrough("backup_phone", (Step("add_phone", "wizard"), ENTER_NUMBER, ENTER_SMS_CODE)),
        Walkthrough(
            "sms_only",
            (Step("start_wizard", "wizard"), Step("choose_phone", "wizard"), ENTER_NUMBER,
             ENTER_SMS_CODE, Step("sign_in_with_sms", "sms_code")),
        ),
        Walkthrough(
            "new_phone",
            (Step("old_phone_works", "wizard", question=True), INSTALL, OPEN_SECURITY_INFO,
             ADD_ACCOUNT, SCAN_QR, Step("test_sign_in", "notification"),
             Step("remove_old", "remove_old")),
        ),
        # Asked before any lost-phone handoff: a backup method means the user can fix it alone.
        Walkthrough(
            "lost_phone",
            (Step("other_method", "wizard", question=True), Step("replace_lost", "remove_old")),
        ),
    )
}  # fmt: skip

# Without a smartphone the app-based walkthroughs become their SMS counterparts.
NO_SMARTPHONE_ALTERNATIVE = {
    "first_setup": "sms_only",
    "backup_device": "backup_phone",
    "new_phone": "backup_phone",
}


@dataclass(frozen=True)
class State:
    walkthrough: str | None = None
    step: str | None = None
    status: str | None = None  # ACTIVE, PAUSED, ASKING_PLATFORM, HANDOFF or None
    platform: str | None = None

    @property
    def current(self) -> Walkthrough | None:
        return WALKTHROUGHS.get(self.walkthrough or "")


@dataclass(frozen=True)
class Outcome:
    state: State
    view: str


def progress(state: State, language: str = DEFAULT_LANGUAGE) -> str | None:
    """The "Step 2 of 6" line of the step a walkthrough is at, None outside one.

    Made when a reply is (bot/rasa_ext/nlg.py), in that reply's language: a line made when the step
    was reached would keep the language of that moment after the user switched.
    """
    walkthrough = state.current
    if walkthrough is None or state.status not in (ACTIVE, PAUSED):
        return None
    number, total = walkthrough.index(state.step) + 1, len(walkthrough.steps)
    return text("walkthrough.progress", language, number=number, total=total)


IDLE = State()


def _show(state: State) -> Outcome:
    """The current step of an active walkthrough."""
    walkthrough = state.current
    assert walkthrough is not None
    step = walkthrough.steps[walkthrough.index(state.step)]
    view = f"{walkthrough.id}.{step.id}"
    if step.per_platform:
        view += f".{state.platform}"
    return Outcome(replace(state, step=step.id, status=ACTIVE), view)


def _idle(state: State, view: str) -> Outcome:
    return Outcome(replace(IDLE, platform=state.platform), view)


def start(state: State, walkthrough_id: str | None) -> Outcome:
    """Begin a walkthrough from its first step (asking for the platform first if needed)."""
    if walkthrough_id not in WALKTHROUGHS:
        if state.current and state.status in (ACTIVE, PAUSED):
            return resume(state)
        return _idle(state, "choose")
    walkthrough = WALKTHROUGHS[walkthrough_id]
    fresh = State(walkthrough=walkthrough.id, step=walkthrough.steps[0].id, platform=state.platform)
    if walkthrough.needs_platform:
        if state.platform is None:
            return Outcome(replace(fresh, status=ASKING_PLATFORM), "ask_platform")
        if state.platform == "none":
            return start(state, NO_SMARTPHONE_ALTERNATIVE[walkthrough.id])
    return _show(fresh)


def set_platform(state: State, platform: str | None) -> Outcome:
    """Remember the platform; if we were waiting for it, carry on with the walkthrough."""
    if platform not in PLATFORMS:
        if state.status == ASKING_PLATFORM:
            return Outcome(state, "ask_platform")
        return resume(state)
    updated = replace(state, platform=platform)
    if state.status == ASKING_PLATFORM:
        return start(updated, state.walkthrough)
    if state.current and state.status in (ACTIVE, PAUSED):
        return _show(updated)
    return _idle(updated, "choose")


def done(state: State) -> Outcome:
    """Advance one step; after the last step the walkthrough is finished."""
    if not state.current or state.status is None:
        return _idle(state, "nothing_active")
    if state.status != ACTIVE:
        return resume(state)
    walkthrough = state.current
    index = walkthrough.index(state.step)
    if walkthrough.steps[index].question:
        return _show(state)  # a question needs yes or no, not "done"
    if index + 1 == len(walkthrough.steps):
        return _idle(state, f"finished.{walkthrough.id}")
    return _show(replace(state, step=walkthrough.steps[index + 1].id))


def answer(state: State, yes: bool) -> Outcome:
    """Yes/no: the answer to a question step; elsewhere yes means done and no means stuck."""
    walkthrough = state.current
    if not walkthrough or state.status != ACTIVE:
        return resume(state) if state.current else _idle(state, "nothing_active")
    if not walkthrough.steps[walkthrough.index(state.step)].question:
        return done(state) if yes else stuck(state)
    if yes:
        index = walkthrough.index(state.step)
        return _show(replace(state, step=walkthrough.steps[index + 1].id))
    return no_method_left(state)


def back(state: State, after_help: bool = False) -> Outcome:
    """The step before; right after a help text, "Back" means the step the help was for."""
    if not state.current or state.status is None:
        return _idle(state, "nothing_active")
    if state.status == ASKING_PLATFORM:
        return Outcome(state, "ask_platform")
    if after_help or state.status == PAUSED:
        return _show(state)
    walkthrough = state.current
    index = max(walkthrough.index(state.step) - 1, 0)
    return _show(replace(state, step=walkthrough.steps[index].id))


def stuck(state: State, helped_already: bool = False) -> Outcome:
    """Help for the current step; the walkthrough stays where it is.

    Stuck again right after the help: the same text again would be a loop, so the view
    "help.again" offers a person instead.
    """
    if not state.current or state.status is None:
        return _idle(state, "nothing_active")
    if state.status == ASKING_PLATFORM:
        return Outcome(state, "ask_platform")
    walkthrough = state.current
    step = walkthrough.steps[walkthrough.index(state.step)]
    view = HELP_AGAIN if helped_already else f"help.{step.stuck}"
    return Outcome(_show(state).state, view)


def stop(state: State) -> Outcome:
    """Pause: "where was I?" picks up at the same step later."""
    if not state.current or state.status is None:
        return _idle(state, "nothing_active")
    return Outcome(replace(state, status=PAUSED), "stopped")


def resume(state: State) -> Outcome:
    if not state.current or state.status is None:
        return _idle(state, "nothing_active")
    if state.status == ASKING_PLATFORM:
        return Outcome(state, "ask_platform")
    return _show(state)


def no_method_left(state: State) -> Outcome:
    """Nobody can prove who they are online without a method: only the servicedesk helps.

    The walkthrough ends; the HANDOFF status tells the rules to offer a ticket next.
    """
    return Outcome(replace(IDLE, platform=state.platform, status=HANDOFF), HANDOFF)


# The walkthrough that does what an FAQ answer describes: "walk me through it" right after
# the new-phone answer means the new-phone walkthrough, not "which set-up would you like?".
TOPIC_WALKTHROUGHS = {
    "first_sign_in": "first_setup",
    "install_app": "first_setup",
    "add_account": "existing_app",
    "new_phone": "new_phone",
    "lost_phone": "lost_phone",
    "backup_method": "backup_device",
    "no_smartphone": "sms_only",
    "phone_number": "backup_phone",
}


def walkthrough_for_topic(topic: str | None) -> str | None:
    """The walkthrough for a topic key such as "faq/new_phone" or "new_phone", if it has one."""
    return TOPIC_WALKTHROUGHS.get((topic or "").removeprefix("faq/"))
