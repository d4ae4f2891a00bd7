"""`python -m bench.similar`: does "Already solved?" find the challenge a question repeats?

A seeded corpus of 200 solved challenges: 50 technologies a backend programme meets, each with
four kinds of trouble (a timeout, duplicated rows, a refused signed-in user, works locally but
not in a container), written as a card's title and problem. For each card, a question as a
learner would type it in a room: other words for the same trouble, the technology named as
people name it ("my celery task hangs forever then times out after deploy, why?"). A hit is
the original among the first three suggestions (`boards.queries.similar_solved`, what the
composer shows). 40 questions about nothing in the corpus measure the false alarms: any
suggestion at all for them counts.

The corpus is synthetic: the paraphrases share the technology's name and about one word of the
trouble with the original, as real repeats of a question tend to; a question that shares no
word at all would not be found (no synonyms, no embeddings).

Time: the median of the suggestions' query beside the plain card search (`search_cards`) of
the same question, in the same process and run: their ratio.

Runs on PostgreSQL (database nexus_bench_similar, dropped and re-created) and on the embedded
SQLite fallback (var/bench/similar.sqlite3), each in a child process; bounded by a hard timeout.
Figures replace the similar block of docs/benchmarks.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from bench.servers import PROJECT_DIR, base_env, recreate_database, stop_after, write_block

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/nexus_bench_similar"
SQLITE_PATH = PROJECT_DIR / "var" / "bench" / "similar.sqlite3"

# (name on the card, as a learner types it)
TECHNOLOGIES = [
    ("Celery", "celery"), ("Redis", "redis"), ("RabbitMQ", "rabbitmq"),
    ("PostgreSQL", "postgres"), ("The Django ORM", "django orm"), ("The Django admin", "admin"),
    ("DRF serializers", "serializer"), ("JWT refresh tokens", "jwt refresh"),
    ("CORS preflight", "cors"), ("Google sign-in", "google login"),
    ("The WebSocket consumer", "websocket"), ("Django Channels", "channels"),
    ("Docker Compose", "compose"), ("Nginx", "nginx"), ("The GraphQL endpoint", "graphql"),
    ("Graphene mutations", "graphene"), ("Cursor pagination", "pagination"),
    ("File uploads", "upload"), ("S3 storage", "s3"), ("Sending email", "email"),
    ("Database migrations", "migration"), ("Celery beat schedules", "beat"),
    ("The cache layer", "cache"), ("Rate limiting", "rate limit"),
    ("Full-text search", "search"), ("Elasticsearch", "elasticsearch"),
    ("The unit tests", "tests"), ("Pytest fixtures", "fixture"), ("GitHub Actions", "ci"),
    ("Swagger docs", "swagger"), ("API versioning", "versioning"), ("Django signals", "signal"),
    ("A custom middleware", "middleware"), ("Session cookies", "session"),
    ("CSRF tokens", "csrf"), ("Static files", "static"), ("Template rendering", "template"),
    ("Form validation", "form"), ("Structured logging", "logging"), ("Sentry", "sentry"),
    ("Gunicorn workers", "gunicorn"), ("Uvicorn", "uvicorn"), ("Asyncio tasks", "asyncio"),
    ("A thread pool", "threads"), ("Timezones", "timezone"), ("Unicode names", "unicode"),
    ("Password reset", "password reset"), ("Object permissions", "permissions"),
    ("Outgoing webhooks", "webhook"), ("Stripe payments", "stripe"),
]  # fmt: skip
# (title, problem) of the card, and the question of a learner: {t} the way they name it.
TROUBLES = [
    ("{T} requests time out in production",
     "After deploying, calls to {T} hang and then fail with a timeout.",
     "my {t} call hangs forever then times out after deploy, why?"),
    ("{T} creates duplicate records",
     "Each retry of a request stores the same row twice.",
     "why do I end up with the same entry saved twice when using {t}"),
    ("{T} returns 403 forbidden for signed-in users",
     "Authenticated users are refused with a permission error.",
     "{t} says permission denied even though I am logged in"),
    ("{T} works locally but fails in Docker",
     "Settings differ between the laptop and the container: environment variables are missing.",
     "{t} runs fine on my machine and breaks inside the container"),
]  # fmt: skip
UNRELATED = [
    "what time is the standup meeting tomorrow morning", "who is presenting at the demo day",
    "can someone share the slides from last week", "is the office open during the holidays",
    "which laptop should I buy for the programme", "where do I find the recording of the talk",
    "has anyone seen my blue water bottle", "how long is the lunch break on fridays",
    "congratulations to everyone who graduated today", "please review my portfolio layout",
    "what are good books about career growth", "any tips for a first job interview",
    "does anybody want to pair on the weekend", "the coffee machine on floor two is broken",
    "thanks for the help yesterday with everything", "when is the next mentor office hour",
    "how do I change my profile picture here", "is there a dress code for the visit",
    "who wants to join the running club", "reminder to fill in the feedback survey",
]  # fmt: skip
UNRELATED += [f"{text} please" for text in UNRELATED]  # 40 in all


def _seed():
    from accounts import actions as accounts
    from accounts.models import User
    from boards import actions as boards

    owner = User.objects.create_user(email="mentor@bench.invalid", display_name="Mentor")
    team = accounts.create_team(user=owner, name="Cohort")
    board = boards.create_board(user=owner, name="Challenges", team=team)
    done = board.columns.last()
    questions = []
    for name, spoken in TECHNOLOGIES:
        for title, problem, question in TROUBLES:
            card = boards.create_card(
                board=board, user=owner, column=done,
                title=title.format(T=name), problem=problem.format(T=name),
            )  # fmt: skip
            questions.append((question.format(t=spoken), card.pk))
    return owner, questions


def _median_ms(function, texts) -> float:
    times = []
    for text in texts:
        started = time.perf_counter()
        list(function(text))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure() -> dict:
    """The child: Django on this process's DATABASE_URL, migrated, seeded, measured."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--noinput", verbosity=0)
    from boards import queries

    owner, questions = _seed()
    ranks = []
    for text, original in questions:
        found = [card.pk for card in queries.similar_solved(owner, text)]
        ranks.append(found.index(original) + 1 if original in found else None)
    alarms = sum(1 for text in UNRELATED if queries.similar_solved(owner, text))
    texts = [text for text, _ in questions]
    similar_ms = _median_ms(lambda text: queries.similar_solved(owner, text), texts)
    search_ms = _median_ms(lambda text: queries.search_cards(owner, text), texts)
    return {
        "questions": len(questions),
        "first": ranks.count(1),
        "top3": sum(1 for rank in ranks if rank is not None),
        "unrelated": len(UNRELATED),
        "alarms": alarms,
        "similar_ms": similar_ms,
        "search_ms": search_ms,
    }


def _child(database_url: str, timeout: int) -> dict:
    env = base_env(database_url=database_url, redis_url="", secret_key="bench-only", layer_env={})  # noqa: S106
    done = subprocess.run(
        [sys.executable, "-m", "bench.similar", "--child"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def _report(results: dict[str, dict]) -> list[str]:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "<!-- similar:start -->",
        "## Already solved? (issue 14)",
        "",
        f"Run {stamp} by `python -m bench.similar`: 200 solved challenges (50 technologies x 4"
        " kinds of trouble), one paraphrased question for each, 40 questions about nothing in"
        " the corpus. Hit: the original among the 3 suggestions. Time: median of one"
        " suggestion query against the plain card search of the same question, same run.",
        "",
        "| database | found first | found in top 3 | false alarms | suggestions ms | card search"
        " ms | ratio |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for name, r in results.items():
        n = r["questions"]
        lines.append(
            f"| {name} | {r['first']}/{n} ({100 * r['first'] / n:.0f} %) | {r['top3']}/{n}"
            f" ({100 * r['top3'] / n:.0f} %) | {r['alarms']}/{r['unrelated']} |"
            f" {r['similar_ms']:.1f} | {r['search_ms']:.1f} |"
            f" {r['similar_ms'] / r['search_ms']:.2f} |"
        )
    lines.append("<!-- similar:end -->")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.similar", description=__doc__)
    parser.add_argument("--timeout", type=int, default=600, help="hard limit, seconds")
    parser.add_argument("--no-write", action="store_true", help="print, leave the docs alone")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure()))
        return 0
    stop_after(args.timeout, "bench.similar")
    recreate_database(POSTGRES_URL)
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    SQLITE_PATH.unlink(missing_ok=True)
    results = {
        "PostgreSQL": _child(POSTGRES_URL, args.timeout),
        "SQLite (fallback)": _child(f"sqlite:///{SQLITE_PATH}", args.timeout),
    }
    lines = _report(results)
    print("\n".join(lines))
    if not args.no_write:
        write_block("similar", lines)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexus_live.settings")
    sys.exit(main())
