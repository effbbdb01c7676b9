import pytest

from bot.onboarding.walkthroughs import (
    ACTIVE,
    ASKING_PLATFORM,
    HELP_AGAIN,
    IDLE,
    PAUSED,
    WALKTHROUGHS,
    State,
    answer,
    back,
    done,
    no_method_left,
    progress,
    resume,
    set_platform,
    start,
    stop,
    stuck,
    walkthrough_for_topic,
)


def walk_to_end(outcome, limit=20):
    """Press Done (or Yes on a question) until the walkthrough ends; returns every outcome."""
    outcomes = [outcome]
    for _ in range(limit):
        if outcome.state.status is None:
            break
        walkthrough = outcome.state.current
        if walkthrough and walkthrough.steps[walkthrough.index(outcome.state.step)].question:
            outcome = answer(outcome.state, True)
        else:
            outcome = done(outcome.state)
        outcomes.append(outcome)
    return outcomes


def test_first_setup_asks_for_the_platform_once_then_shows_the_platform_step():
    asked = start(IDLE, "first_setup")
    assert asked.view == "ask_platform" and asked.state.status == ASKING_PLATFORM
    shown = set_platform(asked.state, "iphone")
    assert shown.view == "first_setup.install.iphone"
    assert progress(shown.state) == "Step 1 of 6"
    # A second walkthrough reuses the platform without asking.
    again = start(stop(shown.state).state, "backup_device")
    assert again.view == "backup_device.install.iphone"


@pytest.mark.parametrize("walkthrough", sorted(WALKTHROUGHS))
def test_every_walkthrough_runs_from_start_to_finish(walkthrough):
    outcomes = walk_to_end(start(State(platform="android"), walkthrough))
    *steps_shown, final = outcomes
    assert final.view == f"finished.{walkthrough}"
    assert final.state.walkthrough is None and final.state.platform == "android"
    total = len(WALKTHROUGHS[walkthrough].steps)
    assert [progress(o.state) for o in steps_shown] == [
        f"Step {n} of {total}" for n in range(1, total + 1)
    ]


def test_progress_counts_steps_in_the_language_asked_for():
    outcome = start(State(platform="iphone"), "existing_app")
    assert progress(outcome.state) == "Step 1 of 4"
    assert progress(done(outcome.state).state) == "Step 2 of 4"
    assert progress(done(outcome.state).state, "da") == "Trin 2 af 4"
    assert progress(stop(outcome.state).state) == "Step 1 of 4"  # "where was I?" says so too
    assert progress(IDLE) is None and progress(start(IDLE, "first_setup").state) is None


@pytest.mark.parametrize(
    ("asked", "instead"),
    [("first_setup", "sms_only"), ("backup_device", "backup_phone"), ("new_phone", "backup_phone")],
)
def test_no_smartphone_switches_to_the_sms_walkthrough(asked, instead):
    outcome = set_platform(start(IDLE, asked).state, "none")
    assert outcome.state.walkthrough == instead
    assert outcome.view.startswith(f"{instead}.")


def test_back_goes_one_step_back_and_stays_on_the_first():
    first = start(State(platform="iphone"), "existing_app")
    second = done(first.state)
    assert back(second.state).view == first.view
    assert back(first.state).view == first.view


def test_stuck_shows_help_for_that_step_and_keeps_the_position():
    outcome = start(State(platform="iphone"), "existing_app")
    scan = done(done(outcome.state).state)
    assert scan.view == "existing_app.scan_qr"
    helped = stuck(scan.state)
    assert helped.view == "help.qr"
    assert helped.state == scan.state
    assert done(helped.state).view == "existing_app.approve"
    assert back(helped.state, after_help=True).view == "existing_app.scan_qr"


def test_stop_pauses_and_where_was_i_resumes_at_the_same_step():
    step_two = done(start(State(platform="android"), "backup_phone").state)
    paused = stop(step_two.state)
    assert paused.view == "stopped" and paused.state.status == PAUSED
    resumed = resume(paused.state)
    assert resumed.view == step_two.view and resumed.state.status == ACTIVE


def test_done_after_stop_shows_the_step_again_instead_of_skipping_it():
    step_two = done(start(State(platform="android"), "backup_phone").state)
    assert done(stop(step_two.state).state).view == step_two.view


def test_new_phone_with_a_dead_old_phone_hands_over_to_the_servicedesk():
    question = start(State(platform="iphone"), "new_phone")
    assert question.view == "new_phone.old_phone_works"
    assert done(question.state).view == question.view  # "done" is no answer to a question
    outcome = answer(question.state, False)
    assert outcome.view == "handoff" and outcome.state.walkthrough is None
    assert outcome.state.status == "handoff"
    assert answer(question.state, True).view == "new_phone.install.iphone"


def test_yes_and_no_on_ordinary_steps_mean_done_and_stuck():
    step = start(State(platform="iphone"), "existing_app")
    assert answer(step.state, True).view == "existing_app.add_account"
    assert answer(step.state, False).view == "help.wizard"


def test_no_method_left_ends_self_service():
    step = start(State(platform="iphone"), "first_setup")
    assert no_method_left(step.state).view == "handoff"
    assert no_method_left(step.state).state.walkthrough is None


def test_lost_phone_asks_for_another_method_before_any_handoff():
    question = start(State(), "lost_phone")
    assert question.view == "lost_phone.other_method"
    assert done(question.state).view == question.view  # "done" is no answer to a question
    assert answer(question.state, False).view == "handoff"
    self_service = answer(question.state, True)
    assert self_service.view == "lost_phone.replace_lost"
    assert done(self_service.state).view == "finished.lost_phone"
    assert stuck(self_service.state).view == "help.remove_old"


@pytest.mark.parametrize("move", [done, back, stuck, stop, resume])
def test_moves_without_an_active_walkthrough_say_so(move):
    assert move(IDLE).view == "nothing_active"


def test_unknown_walkthrough_offers_the_choice():
    assert start(IDLE, "nonsense").view == "choose"
    assert start(IDLE, None).view == "choose"


def test_asking_for_a_walkthrough_while_one_is_active_resumes_it():
    step = done(start(State(platform="iphone"), "existing_app").state)
    assert start(step.state, None).view == step.view


def test_an_unknown_platform_answer_asks_again():
    asked = start(IDLE, "first_setup")
    assert set_platform(asked.state, "blackberry").view == "ask_platform"
    assert back(asked.state).view == "ask_platform"


def test_stuck_again_right_after_the_help_offers_a_person_instead_of_the_same_help():
    at_qr = State("existing_app", "scan_qr", "active", "iphone")
    assert stuck(at_qr).view == "help.qr"
    again = stuck(at_qr, helped_already=True)
    assert again.view == HELP_AGAIN and again.state == stuck(at_qr).state


def test_walk_me_through_it_after_an_answer_picks_that_answers_walkthrough():
    assert walkthrough_for_topic("faq/new_phone") == "new_phone"
    assert walkthrough_for_topic("first_sign_in") == "first_setup"
    assert walkthrough_for_topic("faq/why_mfa") is None
    assert walkthrough_for_topic(None) is None


def test_no_other_way_at_the_lost_phone_question_answers_it_instead_of_asking_again():
    from actions.onboarding import nothing_left

    at_question = State("lost_phone", "other_method", "active", "iphone")
    assert nothing_left(at_question).state.status == "handoff"
    assert nothing_left(State()).view == "lost_phone.other_method"
