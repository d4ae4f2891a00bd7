"""`python -m bench.pages`: what the main pages cost with the app shell around them: a room of
100,000 messages, a board of 1,000 cards, the room list, home and search, for a person who
follows 20 rooms (unread and mentioned) and is in 3 teams with boards.

For each page: the most queries and the median server time (in process, Django's test client:
no network) of 5 rounds of 20 renders, beside `/healthz` measured the same way (the bare cost of
a request). `--against COMMIT` measures the same pages, on the same data, in a checkout of that
commit (a git worktree under var/bench, removed afterwards) in a second process, the two taking
turns round by round, so before and after see the same load on this shared machine.

Bounded: fixed counts and a hard timeout. It owns the PostgreSQL databases nexus_bench_pages and
nexus_bench_pages_ref (dropped and re-created) and Redis dbs 11 and 12 (flushed). Its figures
replace the pages block of docs/benchmarks.md; each process's log is in var/bench/logs.
"""

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nexus_bench_pages"
REDIS_URL, REDIS_URL_BEFORE = "redis://127.0.0.1:6379/12", "redis://127.0.0.1:6379/11"
START, END = "<!-- pages:start -->", "<!-- pages:end -->"
FOLLOWED_ROOMS, MENTIONS, TEAMS, BOARDS_PER_TEAM = 20, 30, 3, 4
BATCH = 5000


def _seed(messages: int, cards: int) -> dict:
    """The data, through the models only (the same code at both commits)."""
    from django.db import transaction

    from accounts.models import Membership, Role, Team, User
    from boards import actions as boards
    from boards.models import Card
    from chat.models import Mention, Message, Room, RoomVisit

    me = User.objects.create(email="reader@bench.invalid", display_name="Reader")
    other = User.objects.create(email="writer@bench.invalid", display_name="Writer")
    teams = []
    for t in range(TEAMS):
        team = Team.objects.create(name=f"Team {t}", slug=f"team-{t}")
        Membership.objects.create(team=team, user=me, role=Role.OWNER if t == 0 else Role.MEMBER)
        teams.append(team)
    big_room = Room.objects.create(name="big", slug="big", created_by=other)
    for start in range(1, messages + 1, BATCH):
        with transaction.atomic():
            Message.objects.bulk_create(
                Message(room=big_room, seq=i, event=i, author=other, client_id=f"m{i}",
                        body=f"challenge number {i}", body_html=f"<p>challenge number {i}</p>")
                for i in range(start, min(start + BATCH, messages + 1))
            )  # fmt: skip
    Room.objects.filter(pk=big_room.pk).update(last_seq=messages, last_event=messages)
    RoomVisit.objects.create(room=big_room, user=me, last_read_seq=messages - 40)
    mentioned = list(Message.objects.filter(room=big_room, seq__gt=messages - MENTIONS))
    Mention.objects.bulk_create(Mention(message=m, user=me) for m in mentioned)
    for r in range(FOLLOWED_ROOMS - 1):
        room = Room.objects.create(name=f"room-{r}", slug=f"room-{r}", created_by=other,
                                   team=teams[r % TEAMS], is_private=r % 2 == 0,
                                   last_seq=10, last_event=10)  # fmt: skip
        RoomVisit.objects.create(room=room, user=me, last_read_seq=r % 10)
    big_board = boards.create_board(user=me, name="Big", team=teams[0])
    columns = list(big_board.columns.all())
    Card.objects.bulk_create(
        Card(board=big_board, column=columns[i % len(columns)], title=f"challenge {i}",
             position=i, problem="A problem\n" * 3, solution="A solution\n" * 3)
        for i in range(cards)
    )  # fmt: skip
    for team in teams:
        for b in range(BOARDS_PER_TEAM - (1 if team == teams[0] else 0)):
            boards.create_board(user=me, name=f"{team.name} board {b}", team=team)
    from django.db import connection

    with connection.cursor() as cursor:  # as autovacuum would soon: the planner knows the sizes
        cursor.execute("ANALYZE")
    return {"user": me.pk, "board": big_board.pk}


def _measure(user_pk: int, pages: dict[str, str], repeats: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=user_pk))
    figures = {}
    for name, url in pages.items():
        client.get(url, follow=True)  # warm caches and templates
        times, queries = [], []
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url, follow=True)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            queries.append(len(captured.captured_queries))
        figures[name] = {"queries": max(queries), "median_ms": statistics.median(times)}
    return figures


def serve_measurements(tree: Path, messages: int, cards: int, repeats: int) -> None:
    """The child, whose Django is the code of `tree`: migrate, seed, say "ready", then measure
    once per line the parent sends, answering each with one line of JSON."""
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    import django
    from django.core.management import call_command
    from django.urls import NoReverseMatch, reverse

    django.setup()
    try:
        search = reverse("search")
    except NoReverseMatch:  # before search covered cards, it was the rooms' own
        search = reverse("chat:search")
    call_command("migrate", "--noinput", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    seeded = _seed(messages, cards)
    pages = {
        "/healthz (reference)": "/healthz",
        f"room of {messages:,} messages": "/rooms/big/",
        f"board of {cards:,} cards": f"/boards/{seeded['board']}/",
        "room list": "/rooms/",
        "home": "/",
        "search": f"{search}?q=challenge",
    }
    print("ready", flush=True)
    for _ in sys.stdin:
        print(json.dumps(_measure(seeded["user"], pages, repeats)), flush=True)


class Tree:
    """A child process measuring the pages of one checkout, on a database of its own."""

    def __init__(self, tree: Path, database_url: str, redis_url: str, args) -> None:
        from bench.servers import base_env, flush_redis, recreate_database

        recreate_database(database_url)
        flush_redis(redis_url)
        env = base_env(
            database_url=database_url, redis_url=redis_url,
            secret_key=secrets.token_urlsafe(40), layer_env={},
        )  # fmt: skip
        env["STATIC_ROOT"] = str(tree / "var" / "bench" / "pages-static")  # each tree its own
        env["LOG_LEVEL"] = "WARNING"
        logs = PROJECT_DIR / "var" / "bench" / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.log = logs / f"pages-{tree.name}.log"
        command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(tree),
                   "--messages", str(args.messages), "--cards", str(args.cards),
                   "--repeats", str(args.repeats)]  # fmt: skip
        self.tree = tree
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and this file)
            command, env=env, cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.log.open("w"), text=True,
        )  # fmt: skip

    def _line(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=10)
            error = self.log.read_text()[-4000:]
            raise SystemExit(f"bench.pages: measuring {self.tree} failed:\n{error}")
        return line.strip()

    def ready(self) -> None:
        while self._line() != "ready":
            pass

    def measure(self) -> dict:
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        return json.loads(self._line())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _combine(rounds: list[dict]) -> dict:
    """Most queries of any round; the median of the rounds' medians."""
    return {
        page: {
            "queries": max(r[page]["queries"] for r in rounds),
            "median_ms": statistics.median(r[page]["median_ms"] for r in rounds),
        }
        for page in rounds[0]
    }


def _git(*args: str, check: bool = True) -> None:
    subprocess.run(["git", *args], cwd=PROJECT_DIR, capture_output=True, check=check)  # noqa: S603, S607


def _write(path: Path, text: str) -> None:
    block = f"{START}\n{text.rstrip()}\n{END}"
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in old and END in old:
        new = old.split(START)[0] + block + old.split(END, 1)[1]
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    path.write_text(new)


def _report(now: dict, before: dict | None, args: argparse.Namespace) -> str:
    reference = now["/healthz (reference)"]["median_ms"]
    head = "| page | queries | median ms | x /healthz |"
    rule = "|---|---|---|---|"
    if before:
        head = (
            "| page | queries before | queries now | median ms before | median ms now "
            "| x /healthz before | x /healthz now |"
        )
        rule = "|---|---|---|---|---|---|---|"
    rows = [head, rule]
    for page, fig in now.items():
        ratio = fig["median_ms"] / reference
        if before:
            old = before[page]
            old_ratio = old["median_ms"] / before["/healthz (reference)"]["median_ms"]
            rows.append(
                f"| {page} | {old['queries']} | {fig['queries']} | {old['median_ms']:.1f} | "
                f"{fig['median_ms']:.1f} | {old_ratio:.1f} | {ratio:.1f} |"
            )
        else:
            rows.append(f"| {page} | {fig['queries']} | {fig['median_ms']:.1f} | {ratio:.1f} |")
    against = f" --against {args.against}" if args.against else ""
    return "\n".join(
        [
            "## Pages with the app shell (issue 9)",
            "",
            f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `python -m bench.pages"
            f"{against}`: in process, {args.rounds} rounds of {args.repeats} renders a page (most"
            f" queries, median server time), one person following {FOLLOWED_ROOMS} rooms"
            f" (unread, {MENTIONS} unseen mentions) in {TEAMS} teams with"
            f" {TEAMS * BOARDS_PER_TEAM} boards. Before: the same"
            f" data and requests at commit `{args.against}` (the last commit without the shell),"
            " in a second process taking turns with the first, round by round."
            if args.against
            else "",
            "",
            *rows,
            "",
            "The sidebar costs three queries on every page (the followed rooms with read marks, "
            "unseen mentions by room, the teams with their boards) where the top bar's counts "
            "cost two; the room page makes up for it by reading the read mark once, the board "
            "page by reading the membership once per request. The room page's one more query "
            "is its messages' files (attachments, new in issue 9), one for the whole page. "
            "Search looks in cards too now. Search finds every match through the GIN index and "
            "ranks the newest 2,000 "
            f"(ranking reads each message's text): the query word is in all {args.messages:,}"
            " messages.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=20, help="renders of a page a round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, before and now in turn")
    parser.add_argument("--against", help="a commit to measure the same pages at, for before")
    parser.add_argument("--output", default=str(PROJECT_DIR / "docs" / "benchmarks.md"))
    parser.add_argument("--timeout", type=int, default=900, help="hard limit, seconds")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child: a tree to measure
    args = parser.parse_args(argv)
    if args.measure:
        serve_measurements(Path(args.measure), args.messages, args.cards, args.repeats)
        return 0
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("bench.pages: hard timeout"))
    signal.alarm(args.timeout)
    trees = {"now": Tree(PROJECT_DIR, DATABASE_URL, REDIS_URL, args)}
    if args.against:
        old = PROJECT_DIR / "var" / "bench" / f"ref-{args.against}"
        _git("worktree", "remove", "--force", str(old), check=False)
        _git("worktree", "add", "--detach", str(old), args.against)
        trees["before"] = Tree(old, DATABASE_URL + "_ref", REDIS_URL_BEFORE, args)
    rounds: dict[str, list[dict]] = {name: [] for name in trees}
    try:
        for tree in trees.values():
            tree.ready()
        # Taking turns, so that both see the same weather on this shared machine.
        for _ in range(args.rounds):
            for name, tree in trees.items():
                rounds[name].append(tree.measure())
    finally:
        for tree in trees.values():
            tree.stop()
        if args.against:
            _git("worktree", "remove", "--force", str(trees["before"].tree), check=False)
    now = _combine(rounds["now"])
    before = _combine(rounds["before"]) if args.against else None
    text = _report(now, before, args)
    print(text)
    _write(Path(args.output), text)
    return 0


if __name__ == "__main__":
    if "--measure" in sys.argv:  # the child: this file's folder must not shadow the project
        sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]
    sys.exit(main())
