"""Run every measurement in an order that keeps them apart, then write docs/benchmarks.md.

Training first (the CPU-heaviest step, on an otherwise idle machine), then model scoring,
then one server at a time: stock Rasa as the reference, the embedded default, the production
profile. Never two servers at once: on 2 cores they would measure each other. The embedded
default also plays the conversation tests (tests/conversations) before its load levels.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench import (
    capacity,
    conversation_tests,
    document,
    failover,
    insights,
    long_conversation,
    plot,
    quality,
    servers,
    training,
)
from bench.conversations import REFERENCE_SCRIPTS, SCRIPTS
from bench.load import THINK_TIME_S, converse, run_load
from bench.results import USER_LEVELS, Level, ProfileRun, Results
from bench.store_check import missing_messages, stored_user_messages
from bot.processes.training import ensure_model
from bot.settings import PROJECT_ROOT, Settings, get_settings

DOC = PROJECT_ROOT / "docs" / "benchmarks.md"
PLOT = DOC.with_name("benchmarks.png")
TURNS = (1, 50, 100, 200)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def machine() -> str:
    """Hardware and versions only: no host name or paths in a committed file."""
    from importlib.metadata import version

    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{os.cpu_count()} cores, {memory_gb:.0f} GB RAM, {platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}, Rasa {version('rasa')}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="no training, short levels")
    parser.add_argument("--load-seconds", type=float, help="per load level (30; quick 5)")
    parser.add_argument("--soak-seconds", type=float, help="50-user soak (120; quick 20)")
    parser.add_argument(
        "--reference",
        choices=("auto", "skip", "retrain"),
        help="default-config reference model: train if not kept (auto, the default without "
        "--quick), use only a kept one (skip, the default with --quick), or train anew",
    )
    parser.add_argument("--no-production", action="store_true", help="embedded default only")
    parser.add_argument("--repeats", type=int, help="long conversations per profile (3; quick 1)")
    args = parser.parse_args(argv)
    args.load_seconds = args.load_seconds or (5.0 if args.quick else 30.0)
    args.soak_seconds = args.soak_seconds or (20.0 if args.quick else 120.0)
    args.reference = args.reference or ("skip" if args.quick else "auto")
    args.repeats = args.repeats or (1 if args.quick else 3)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    run_id = uuid.uuid4().hex[:8]
    results = Results(
        quick=args.quick,
        machine=machine(),
        load_seconds=args.load_seconds,
        soak_seconds=args.soak_seconds,
        think_time_s=THINK_TIME_S,
    )
    model = ensure_model(get_settings().models_dir)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        work = Path(scratch)
        measure_training(args, results, work)
        measure_quality(results, model)
        measure_stock(results, model, work, 0 if args.quick else args.load_seconds, run_id)
        measure_stock_capacity(args, results, work, run_id)
        embedded = servers.start_embedded(work / "embedded")

        def play_conversations() -> None:
            measure_conversation_tests(results, embedded, work / "embedded")

        results.profiles.append(
            measure_profile(embedded, args, run_id, soak=True, before_load=play_conversations)
        )
        if args.no_production:
            results.production_note = "Not measured in this run (--no-production)."
        else:
            measure_production(args, results, work, run_id)
        measure_insights(results)
    results.total_seconds = time.monotonic() - started
    write(results)
    log(f"wrote {DOC.relative_to(PROJECT_ROOT)} and {PLOT.name}")
    return 0


def measure_training(args: argparse.Namespace, results: Results, work: Path) -> None:
    if not args.quick:
        log("training the project's config.yml (fresh component cache) ...")
        results.training_project = training.train_project(work)
        log(f"  {results.training_project.seconds:.0f} s")
    if args.reference != "skip":
        log("reference model (Rasa's default config): training unless kept ...")
    results.training_reference = training.reference_model(
        get_settings().models_dir,
        allow_training=args.reference != "skip",
        retrain=args.reference == "retrain",
    )
    if results.training_reference is None:
        why = "QUICK=1 never trains it" if args.quick else "this run was told not to train it"
        results.reference_note = (
            f"The default-config reference was not measured: {why} and none is kept in "
            "`models/reference/` yet (`make bench` trains it once; with its transformer it "
            "trains many times longer than the project's config)."
        )


def measure_quality(results: Results, model: Path) -> None:
    log("scoring held-out paraphrases and real questions ...")
    measured = quality.measure(model)
    results.quality, results.real_questions = measured["paraphrases"], measured["real"]
    if results.training_reference:
        reference = quality.measure(Path(results.training_reference.model))
        results.quality_reference = reference["paraphrases"]
        for name, scored in reference["real"].items():
            results.real_questions.setdefault(name, {})["reference"] = scored["model"]


def measure_stock(
    results: Results, model: Path, work: Path, load_seconds: float, run_id: str
) -> None:
    log("stock rasa run (reference for cold start and memory) ...")
    stock = servers.start_stock_rasa(model, work / "stock")
    try:
        results.stock_cold_start_s = stock.cold_start_s
        if load_seconds:  # its memory under the 10-user 'hi' load; QUICK: just started
            results.stock_reference = asyncio.run(
                run_load(stock.base_url, 10, load_seconds, REFERENCE_SCRIPTS, f"{run_id}-stock")
            )
    finally:
        peaks = stock.stop()
    results.stock_peak_rss = peaks.get("Rasa server")
    log(f"  cold start {stock.cold_start_s:.1f} s")


def measure_stock_capacity(
    args: argparse.Namespace, results: Results, work: Path, run_id: str
) -> None:
    """`rasa init`'s bot on a plain `rasa run` under the closed-loop levels (bench/capacity.py)."""
    log("stock Rasa's starter bot (`rasa init`), closed loop ...")
    try:
        model = capacity.init_bot_model(get_settings().models_dir)
        stock = servers.start_stock_rasa(model, work / "stock-init")
    except (RuntimeError, OSError) as error:  # report it, keep the rest of the run's figures
        results.stock_capacity_note = f"Not measured: {str(error).strip()[-300:]}"
        log(f"  {results.stock_capacity_note}")
        return
    try:
        results.stock_capacity = capacity.measure(
            stock.base_url,
            stock.process.pid,
            capacity.INIT_BOT_SCRIPTS,
            args.load_seconds,
            f"{run_id}-init",
            log,
        )
    finally:
        stock.stop()


def measure_profile(
    server: servers.Server,
    args: argparse.Namespace,
    run_id: str,
    *,
    soak: bool,
    before_load: Callable[[], None] | None = None,
    last: Callable[[ProfileRun], None] | None = None,
) -> ProfileRun:
    """Every measurement of one server; ``before_load`` runs after the warm-up, on a server
    that has not carried load yet, ``last`` after everything else (it may break the server)."""
    profile = ProfileRun(server.name, cold_start_s=server.cold_start_s)
    log(f"{server.name}: first answer after {server.cold_start_s:.1f} s")
    try:
        profile.idle_rss = server.sampler.sample()
        profile.sample_answers = warm_up(server.base_url, run_id)
        if before_load is not None:
            before_load()
        for users in USER_LEVELS:
            tag = f"{run_id}-{server.name.split()[0]}-{users}"
            log(f"  {users} users: reference 'hi', then conversations ...")
            reference = asyncio.run(
                run_load(server.base_url, users, args.load_seconds, REFERENCE_SCRIPTS, f"{tag}r")
            )
            conversations = asyncio.run(
                run_load(server.base_url, users, args.load_seconds, SCRIPTS, f"{tag}c")
            )
            level = Level(conversations, reference)
            level.missing_from_store = check_store(server, conversations.answered)
            profile.levels[users] = level
            summary = conversations.summary
            log(
                f"    p95 {summary.p95_ms:.0f} ms (ref {reference.summary.p95_ms:.0f} ms), "
                f"errors {conversations.errors}, samples {conversations.error_samples[:1]}"
            )
        if soak:
            log(f"  soak: 50 users for {args.soak_seconds:.0f} s ...")
            profile.soak = asyncio.run(
                run_load(server.base_url, 50, args.soak_seconds, SCRIPTS, f"{run_id}-soak")
            )
            profile.soak_missing_from_store = check_store(server, profile.soak.answered)
        tag = f"{run_id}-{server.name.split()[0]}-closed"
        profile.capacity = capacity.measure(
            server.base_url, server.process.pid, SCRIPTS, args.load_seconds, tag, log
        )
        measure_long_conversation(profile, server.base_url, args.repeats)
        if last is not None:
            last(profile)
    finally:
        profile.peak_rss = server.stop()
    return profile


def warm_up(base_url: str, run_id: str) -> list[str]:
    """One conversation of each script, unmeasured: loads lazy parts, shows what is answered."""
    lines = []
    for index, script in enumerate(SCRIPTS):
        answers = asyncio.run(converse(base_url, f"bench-{run_id}-warm-{index}", script))
        first = script[1], answers[1]
        text = " ".join(
            reply.get("text", "") for reply in first[1] if isinstance(reply, dict)
        ).replace("\n", " ")
        lines.append(f"{first[0]!r} -> {text[:90]!r}")
    return lines


def check_store(server: servers.Server, answered: dict[str, int]) -> int | None:
    if not server.tracker_store_url:
        return None
    try:
        stored = stored_user_messages(server.tracker_store_url, answered)
    except Exception as error:  # a check that cannot run must not lose the run's figures
        log(f"  tracker store check failed: {error}")
        return None
    return missing_messages(answered, stored)


def measure_long_conversation(profile: ProfileRun, base_url: str, repeats: int) -> None:
    log(f"  long conversation: turns {TURNS}, {repeats} repeat(s) ...")
    try:
        figures = long_conversation.measure(base_url, turns=TURNS, repeats=repeats)
    except (OSError, RuntimeError) as error:  # report it, keep the rest of the run's figures
        profile.long_conversation_note = f"The long conversation failed: {error!r}"[:300]
        log(f"    {profile.long_conversation_note}")
        return
    profile.long_conversation = figures
    log(f"    {profile.long_conversation}")


def tickets_database(var_dir: Path) -> str | None:
    """The embedded assistant's tickets database if it is this run's own, else None.

    The server resolves it from its settings (MFA_VAR_DIR is ``var_dir``; the environment and
    .env may name another database): resolved the same way here. A database outside the run
    may be someone's real one, and the conversations create tickets.
    """
    url = Settings(_env_file=PROJECT_ROOT / ".env", var_dir=var_dir).resolved_database_url
    return url if url == f"sqlite:///{var_dir / 'assistant.db'}" else None


def tickets_reader(database_url: str) -> tuple[Callable[[str], list[str]], Callable[[], None]]:
    """(references stored for a sender, close): the tickets table read as the console would,
    by the sha256 key of the conversation id. No table yet means no ticket yet (the assistant
    migrates its database when it first needs it)."""
    from sqlalchemy import inspect, select
    from sqlalchemy.orm import Session

    from bot import db
    from bot.tickets.models import Ticket

    engine = db.make_engine(database_url)

    def references(sender: str) -> list[str]:
        if not inspect(engine).has_table(Ticket.__tablename__):
            return []
        query = select(Ticket).where(Ticket.conversation_key == db.conversation_key(sender))
        with Session(engine) as session:
            return [ticket.reference for ticket in session.execute(query).scalars()]

    return references, engine.dispose


def rest_sender(base_url: str, client: httpx.Client, errors: list[str]) -> conversation_tests.Say:
    """``say(sender, message)`` over the REST channel, as the widget sends it. An answer other
    than a 200 with a JSON list is no reply for the user (the turn is wasted) and is noted in
    ``errors``; a server that cannot be reached raises."""
    webhook = base_url.rstrip("/") + "/webhooks/rest/webhook"

    def say(sender: str, message: str) -> list[dict[str, Any]]:
        response = client.post(webhook, json={"sender": sender, "message": message})
        try:
            replies = response.json()
        except ValueError:
            replies = None
        if response.status_code != 200 or not isinstance(replies, list):
            errors.append(f"{response.status_code}: {response.text[:100]!r}")
            return []
        return replies

    return say


def measure_conversation_tests(results: Results, server: servers.Server, var_dir: Path) -> None:
    """Play every conversation of tests/conversations, each from a fresh sender, against
    ``server`` (var directory ``var_dir``) and score it as the tests do."""
    conversations = conversation_tests.load_conversations()
    log(f"  {len(conversations)} conversations as people type them ...")
    database = tickets_database(var_dir)
    if database is None:
        results.conversation_tests_note = (
            "Not played: the environment points the assistant at a tickets database outside "
            "this run (MFA_DATABASE_URL), and the conversations create tickets."
        )
        log(f"    {results.conversation_tests_note}")
        return
    reader, close = tickets_reader(database)
    tickets_of: Callable[[str], list[str]] | None = reader
    notes = []
    try:
        reader("bench-probe")
    except Exception as error:  # played all the same, without the ticket check
        tickets_of = None
        notes.append(f"The tickets database could not be read ({error!r:.150}).")
    started, errors = time.monotonic(), []
    try:
        with httpx.Client(timeout=60) as client:
            say = rest_sender(server.base_url, client, errors)
            played = [
                conversation_tests.play(
                    conversation, say, f"bench-conv-{uuid.uuid4().hex[:10]}", tickets_of
                )
                for conversation in conversations
            ]
    except Exception as error:  # report it, keep the rest of the run's figures
        results.conversation_tests_note = f"Not measured: the conversations failed: {error!r:.250}"
        log(f"    {results.conversation_tests_note}")
        return
    finally:
        close()
    if errors:
        notes.append(
            f"{len(errors)} message(s) were answered with an error (their turns count as "
            f"wasted), e.g. {errors[0]}"
        )
    results.conversation_tests = breakdown = conversation_tests.break_down(played)
    results.conversation_tests_tickets_checked = tickets_of is not None
    results.conversation_tests_note = " ".join(notes)
    overall = breakdown.overall
    log(
        f"    {overall.wasted} of {overall.turns} turns wasted ({overall.share:.1%}), "
        f"{overall.passed}/{overall.conversations} passed, {overall.lost_tickets} tickets lost, "
        f"{time.monotonic() - started:.0f} s"
    )
    failed = [result.conversation.name for result in played if not result.passed]
    if failed:
        log(f"    did not pass ({len(failed)}): {'; '.join(failed)}")


def measure_production(args: argparse.Namespace, results: Results, work: Path, run_id: str) -> None:
    log("production profile ...")
    try:
        server = servers.start_production(work / "production", run_id)
    except (RuntimeError, httpx.HTTPError) as error:
        results.production_note = (
            "Not measured: `python -m bot production` did not start in this run: "
            f"{str(error).strip().splitlines()[-1][:200]}"
        )
        log(results.production_note)
        servers.drop_production_databases(run_id)
        return

    def replica_death(profile: ProfileRun) -> None:
        assistant = server.assistant
        assert assistant is not None
        victim = assistant.replica_ports[0]

        def kill() -> None:
            os.kill(assistant.child_pid("--port", str(victim)), signal.SIGKILL)

        log(f"  a replica killed under load ({failover.USERS} users) ...")
        lifetime = get_settings().lock_lifetime_seconds
        found = failover.measure(server.base_url, kill, SCRIPTS, f"{run_id}-failover", lifetime)
        profile.failover = found
        log(
            f"    {found.failed} of {found.requests} requests failed, longest wait "
            f"{found.longest_wait_s:.1f} s, every conversation answered again after "
            f"{found.recovery_s:.1f} s"
        )

    try:
        results.profiles.append(
            measure_profile(server, args, run_id, soak=False, last=replica_death)
        )
    finally:
        servers.drop_production_databases(run_id)


def measure_insights(results: Results) -> None:
    """The console's insights page on 1,000 and 100,000 conversations (bench/insights.py):
    under a minute with the seeding, so --quick measures the full size too."""
    log("insights page (console over HTTP, PostgreSQL tracker database) ...")
    try:
        results.insights = insights.measure(log=log)
    except Exception as error:  # report it, keep the rest of the run's figures
        results.insights_note = f"Not measured: {error!r:.250}"
        log(f"  {results.insights_note}")


def write(results: Results) -> None:
    load_p95 = {
        profile.name: {
            users: (level.conversations.summary.p95_ms, level.reference.summary.p95_ms)
            for users, level in profile.levels.items()
        }
        for profile in results.profiles
    }
    turns = {p.name: p.long_conversation for p in results.profiles if p.long_conversation}
    accuracy = {"project": {k: v["accuracy"] for k, v in results.quality.items()}}
    if results.quality_reference:
        accuracy["Rasa default config"] = {
            k: v["accuracy"] for k, v in results.quality_reference.items()
        }
    plot.draw(PLOT, load_p95, turns, accuracy)
    DOC.write_text(document.render(results, PLOT.name))
