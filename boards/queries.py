"""Every non-trivial read of boards: the columns with their cards (tiles cached by change),
filters, tags in use, the people who may be assigned. Pages and sockets ask here."""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts import policies
from accounts.models import User
from boards.models import Board, Card, Column, Comment, Label, LabelColour, Tag
from nexus_live.cache import cache_get_many_safe, cache_set_many_safe
from nexus_live.context_processors import all_limits
from nexus_live.models import SpaceQuerySet
from nexus_live.text import SEARCH_CONFIG, as_int, search_text

CARD_CACHE_SECONDS = 24 * 3600
# What a card shows of the thread it was promoted from (its answer, who verified it), read
# with the card: tiles and card data never ask once per card.
CARD_SOURCE = ("source__room", "source__answer__author", "source__answer__verified_by")
FILTERS = ("q", "tag", "label", "assignee", "column")


def visible_boards(user: User) -> SpaceQuerySet:
    return Board.objects.visible_to(user).select_related("team")


def card_for(user: User, card_id: int) -> Card:
    """A card of a board the person may see, with its tags and assignees; another is as absent
    as one that does not exist (Http404)."""
    card = get_object_or_404(
        Card.objects.select_related("board__team", *CARD_SOURCE).prefetch_related(
            "tags", "assignees", "labels"
        ),
        pk=card_id,
    )
    if not policies.can_view_space(user, card.board):
        raise Http404
    return card


def live_columns(board: Board) -> list[tuple[Column, list[Card]]]:
    """The board's columns in order, each with its live cards in order (tags, assignees
    loaded): what a board reads as over the API."""
    cards = (
        board.cards.filter(archived_at__isnull=True)
        .select_related(*CARD_SOURCE)
        .prefetch_related("tags", "assignees", "labels")
    )
    by_column: dict[int, list[Card]] = {}
    for card in cards.order_by("position", "pk"):
        by_column.setdefault(card.column_id, []).append(card)
    return [(column, by_column.get(column.pk, [])) for column in board.columns.all()]


def comments_of(card: Card):
    """A card's comments, oldest first, deleted ones left out."""
    return (
        Comment.objects.filter(card=card, deleted_at__isnull=True)
        .select_related("author")
        .prefetch_related("mentions")
        .order_by("created_at", "pk")
    )


def comment_for(user: User, comment_id: int) -> Comment:
    """A comment (not deleted) on a board the person may see; another is as absent as one that
    does not exist (Http404)."""
    comment = get_object_or_404(
        Comment.objects.select_related("board__team", "card", "author").prefetch_related(
            "mentions"
        ),
        pk=comment_id,
        deleted_at__isnull=True,
    )
    if not policies.can_view_space(user, comment.board):
        raise Http404("No such comment")
    return comment


def card_for_render(card_id: int) -> Card:
    return (
        Card.objects.select_related("board", "column", *CARD_SOURCE)
        .prefetch_related("tags", "assignees", "labels")
        .get(pk=card_id)
    )


def column_order(column_ids: set[int]) -> dict[str, list[int]]:
    """The cards of these columns, in order: what a move makes every viewer converge to."""
    order: dict[str, list[int]] = {str(pk): [] for pk in column_ids}
    live = Card.objects.filter(column_id__in=column_ids, archived_at__isnull=True)
    for column_id, card_id in live.order_by("position", "pk").values_list("column_id", "pk"):
        order[str(column_id)].append(card_id)
    return order


def _tile_key(card: Card) -> str:
    # The card's event moves with every write to it (edit, move, archive): a new key each time.
    # A due date turns "soon" and "overdue" with the calendar: a tile with one is kept a day.
    day = f":{timezone.localdate().isoformat()}" if card.due else ""
    return f"card-html:{card.pk}:{card.event}:{card.version}{day}"


def render_card(card: Card) -> str:
    """One card's tile: the same partial for the page, the cache and every frame."""
    return render_to_string("boards/board.html#card", {"card": card, "board": card.board})


def card_tiles(board: Board, cards: list[Card]) -> None:
    """Give each card its rendered tile, from the cache where it is fresh; only the others are
    rendered, with their tags and assignees fetched in two queries."""
    cached = cache_get_many_safe([_tile_key(card) for card in cards])  # Redis down: a miss
    missing = [card for card in cards if _tile_key(card) not in cached]
    prefetch_related_objects(missing, "tags", "assignees", "labels")
    fresh = {}
    for card in cards:
        card.board = board
        html = cached.get(_tile_key(card))
        if html is None:
            html = fresh[_tile_key(card)] = render_card(card)
        card.html = mark_safe(html)  # noqa: S308 (rendered by our autoescaped template)
    cache_set_many_safe(fresh, CARD_CACHE_SECONDS)


def board_context(board: Board, cards: QuerySet[Card] | None = None) -> dict[str, object]:
    """What rendering a board's columns needs, in a fixed number of queries."""
    if cards is None:
        cards = board.cards.filter(archived_at__isnull=True)
    cards = list(cards.select_related("column", *CARD_SOURCE).order_by("position", "pk"))
    card_tiles(board, cards)
    columns = list(board.columns.all())
    by_column: dict[int, list[Card]] = {column.pk: [] for column in columns}
    for card in cards:
        by_column.setdefault(card.column_id, []).append(card)
    for column in columns:
        column.card_list = by_column[column.pk]
    labels = list(board.labels.all())
    return {
        "board": board, "columns": columns, "labels": labels,
        "colours": LabelColour.choices, "limits": all_limits(),
    }  # fmt: skip


def filter_cards(board: Board, filters: dict[str, str]) -> QuerySet[Card]:
    """The board's live cards that match every filter given (text, tag, label, assignee,
    column)."""
    cards = board.cards.filter(archived_at__isnull=True)
    if text := filters.get("q"):
        cards = cards.filter(
            Q(title__icontains=text) | Q(problem__icontains=text) | Q(solution__icontains=text)
        )
    if tag := filters.get("tag"):
        cards = cards.filter(tags__name__iexact=tag)
    for name, lookup in (("assignee", "assignees"), ("column", "column_id"), ("label", "labels")):
        if value := filters.get(name):
            try:
                cards = cards.filter(**{lookup: as_int(value)})
            except ValidationError:  # not a number: nothing matches
                cards = cards.none()
    return cards.distinct()


def tags_on(board: Board) -> QuerySet[Tag]:
    return Tag.objects.filter(cards__board=board).distinct().order_by("name")


def tags_visible_to(user: User, limit: int = 500) -> QuerySet[Tag]:
    """Tags in use on the boards `user` can see: the editor's suggestions (leaking nothing)."""
    visible: SpaceQuerySet = Board.objects.visible_to(user)
    return Tag.objects.filter(cards__board__in=visible).distinct().order_by("name")[:limit]


CARD_SEARCH_LIMIT = 50
# Verified first, then accepted, among comparably relevant results (decision 023): a card's
# relevance is multiplied by its answer's boost, so a verified solution beats an unverified
# one only if it is at least 1/1.2 as relevant (one step: 1/1.1), and a verified card that
# shares a word or two never beats an exact match. Thresholds look at relevance alone.
VERIFIED_BOOST = 1.2
ACCEPTED_BOOST = 1.1
TITLE_LIKENESS = 0.5  # the weight of the title's trigram likeness beside the full-text rank


def answer_boost() -> Case:
    """A card's answer tier as a factor of its relevance (SQL): verified, accepted, neither."""
    return Case(
        When(source__answer__verified_at__isnull=False, then=Value(VERIFIED_BOOST)),
        When(source__answer__isnull=False, then=Value(ACCEPTED_BOOST)),
        default=Value(1.0),
        output_field=FloatField(),
    )


def boost_of(card: Card) -> float:
    """`answer_boost` of a card read with its source and answer (CARD_SOURCE)."""
    answer = card.source.answer if card.source_id and card.source else None
    if answer is None:
        return 1.0
    return VERIFIED_BOOST if answer.verified_at is not None else ACCEPTED_BOOST


def _title_likeness(text: str) -> Func:
    """How much of the words `text` the card's title holds (pg_trgm's word_similarity, 0-1):
    full-text rank alone saturates, and hardly tells a title from words scattered in a text."""
    return Func(F("title"), Value(text), function="word_similarity", output_field=FloatField())


def search_cards(user: User, text: str) -> QuerySet[Card] | list[Card]:
    """The best matching live cards of the boards `user` can see: PostgreSQL full-text search
    (a title match counts most; the GIN index of migration 0006 holds the same expression),
    ranked by full-text rank plus the title's likeness, times the answer's boost; every word as
    a substring on SQLite, verified and accepted answers first."""
    text = search_text(text)
    if not text:
        return []
    visible: SpaceQuerySet = Board.objects.visible_to(user)
    found = Card.objects.filter(board__in=visible.values("pk"), archived_at__isnull=True)
    found = found.select_related("board", "column", *CARD_SOURCE).annotate(
        board_has_labels=Exists(Label.objects.filter(board=OuterRef("board_id")))
    )  # cards of boards without labels need no labels query (card_data(card, labels=[]))
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        return (
            found.annotate(document=_card_document())
            .filter(document=query)
            .annotate(
                rank=(SearchRank(F("document"), query) + _title_likeness(text) * TITLE_LIKENESS)
                * answer_boost()
            )
            .order_by("-rank", "-updated_at")[:CARD_SEARCH_LIMIT]
        )
    for word in text.split():
        found = found.filter(
            Q(title__icontains=word) | Q(problem__icontains=word) | Q(solution__icontains=word)
        )
    # Every card found holds every word (comparably relevant): the answer's tier decides.
    found = found.annotate(boost=answer_boost())
    return found.order_by("-boost", "-updated_at")[:CARD_SEARCH_LIMIT]


def _card_document() -> SearchVector:
    """A card's words for full-text search, its title weighing most: the expression the GIN
    index of migration 0006 holds (change both together)."""
    return SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "problem", "solution", weight="B", config=SEARCH_CONFIG
    )


# --- Already solved? ---------------------------------------------------------------------------
SIMILAR_LIMIT = 3
SIMILAR_MIN_WORDS = 3  # a question shorter than this is not looked up yet
SIMILAR_MIN_SCORE = 0.2  # below it a "match" shares little more than one common word
SIMILAR_WORDS = 30  # the words of a question that count (the rest change little)
_WORD = re.compile(r"[^\W_]+")
# The plain fallback's stop words (PostgreSQL's configuration has its own, and stems).
_COMMON = frozenset(
    "the a an and or but if then to of in on at for with from by is are was were be been it its"
    " this that these those my our your i we you he she they how do does did what why when where"
    " which who can could should would will not no get got have has had there here so as"
    " after before into out up down about just".split()
)


def solved_cards(user: User) -> QuerySet[Card]:
    """The solved challenges `user` can see: live cards in their board's last column."""
    last_column = Column.objects.filter(board=OuterRef("board_id")).order_by("-position", "-pk")
    return Card.objects.filter(
        board__in=Board.objects.visible_to(user).values("pk"),
        archived_at__isnull=True,
        column_id=Subquery(last_column.values("pk")[:1]),
    ).select_related("board", "column", *CARD_SOURCE)


def similar_solved(user: User, text: str, limit: int = SIMILAR_LIMIT) -> list[Card]:
    """The solved challenges most like a question being typed, best first, each with its
    `score`: on PostgreSQL full-text rank over any of its words (stemmed, stop words dropped)
    plus the trigram similarity of the card's title to the question, so a paraphrase that
    shares a few words still finds its original; on SQLite a count of shared words. Nothing
    below SIMILAR_MIN_SCORE, nothing for fewer than SIMILAR_MIN_WORDS words. The order is the
    score times the answer's boost (verified, accepted: `answer_boost`)."""
    words = _WORD.findall(search_text(text).casefold())
    if len(words) < SIMILAR_MIN_WORDS:
        return []
    words = list(dict.fromkeys(words))[:SIMILAR_WORDS]
    cards = solved_cards(user)
    if connection.vendor == "postgresql":
        # Each word an alternative: websearch syntax never fails, and words hold no operator.
        query = SearchQuery(" or ".join(words), search_type="websearch", config=SEARCH_CONFIG)
        likeness = _title_likeness(" ".join(words))
        found = (
            cards.annotate(document=_card_document())
            .filter(document=query)
            .annotate(score=SearchRank(F("document"), query) + likeness * TITLE_LIKENESS)
            .filter(score__gte=SIMILAR_MIN_SCORE)
            .annotate(ranked=F("score") * answer_boost())
            .order_by("-ranked", "-updated_at")[:limit]
        )
        return list(found)
    wanted = {word for word in words if word not in _COMMON and len(word) > 2}
    if not wanted:
        return []
    match = Q()
    for word in wanted:
        match |= Q(title__icontains=word) | Q(problem__icontains=word)
    scored = []
    for card in cards.filter(match).order_by("-updated_at")[:500]:
        title = set(_WORD.findall(card.title.casefold()))
        rest = set(_WORD.findall(f"{card.problem} {card.solution}".casefold()))
        shared = 2 * len(wanted & title) + len(wanted & (rest - title))
        card.score = shared / (2 * len(wanted))
        if card.score >= SIMILAR_MIN_SCORE:
            scored.append(card)
    scored.sort(key=lambda card: (-card.score * boost_of(card), -card.updated_at.timestamp()))
    return scored[:limit]


def editable_boards(user: User) -> list[Board]:
    """The boards a person may add cards to, by name: where a thread can be promoted."""
    boards = Board.objects.visible_to(user).select_related("team").order_by("name")
    with policies.roles_remembered(user):
        return [board for board in boards if policies.can_edit_board(user, board)]
