"""Merging two concurrent edits of a card: both survive, or both are kept in a conflict."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boards.merge import (
    TextMerge,
    merge_fields,
    merge_line,
    merge_set,
    merge_text,
)

SOLUTION = (
    "Celery workers lost tasks on restart.\n"
    "We set acks_late=True.\n"
    "Redis visibility_timeout is 1 hour.\n"
    "Tasks are idempotent.\n"
)


def conflict_block(theirs: str, mine: str) -> str:
    return f"<<<<<<< their version\n{theirs}=======\n{mine}>>>>>>> your version\n"


# --- text: unit cases -----------------------------------------------------------------------


def test_it_keeps_both_edits_to_different_lines():
    mine = SOLUTION.replace("acks_late=True", "acks_late=True and prefetch=1")
    theirs = SOLUTION.replace("Tasks are idempotent.", "Tasks must be idempotent.")

    merged = merge_text(SOLUTION, mine, theirs)

    assert merged == TextMerge(
        "Celery workers lost tasks on restart.\n"
        "We set acks_late=True and prefetch=1.\n"
        "Redis visibility_timeout is 1 hour.\n"
        "Tasks must be idempotent.\n",
        conflict=False,
    )


def test_it_keeps_both_edits_to_different_parts_of_the_same_line():
    base = "Use Redis for the cache and Celery for jobs.\n"
    mine = "Use Memcached for the cache and Celery for jobs.\n"
    theirs = "Use Redis for the cache and RQ for jobs.\n"

    assert merge_text(base, mine, theirs) == TextMerge(
        "Use Memcached for the cache and RQ for jobs.\n", conflict=False
    )


def test_it_keeps_both_edits_to_adjacent_lines_when_they_merge_by_character():
    base = "The token expires after an hour\nRefresh it with the refresh endpoint\n"
    mine = "The token expires after 15 minutes\nRefresh it with the refresh endpoint\n"
    theirs = "The token expires after an hour\nRefresh it with POST /auth/refresh/\n"

    assert merge_text(base, mine, theirs) == TextMerge(
        "The token expires after 15 minutes\nRefresh it with POST /auth/refresh/\n",
        conflict=False,
    )


def test_it_keeps_both_edits_to_interleaved_lines():
    # No line is left unchanged by both sides, so merge3 sees one region; still, no line
    # was changed by both.
    merged = merge_text("a: 0\nb: 0\nc: 0", "a: 0\nb: 1\nc: 0", "a: 9\nb: 0\nc: 9")

    assert merged == TextMerge("a: 9\nb: 1\nc: 9", conflict=False)


def test_it_keeps_both_edits_to_interleaved_lines_with_the_sides_swapped():
    merged = merge_text("a: 0\nb: 0\nc: 0", "a: 9\nb: 0\nc: 9", "a: 0\nb: 1\nc: 0")

    assert merged == TextMerge("a: 9\nb: 1\nc: 9", conflict=False)


def test_a_conflict_copy_shows_every_overlapping_region_verbatim():
    # The first line alone would merge by character; with a real overlap below, the user
    # resolves the copy, so each overlapping region shows both sides as they wrote them.
    base = "Use Redis for the cache and Celery for jobs.\nx\nDeploy on Friday.\n"
    mine = "Use Memcached for the cache and Celery for jobs.\nx\nDeploy on Monday.\n"
    theirs = "Use Redis for the cache and RQ for jobs.\nx\nDeploy on Tuesday.\n"

    merged = merge_text(base, mine, theirs)

    assert merged == TextMerge(
        conflict_block(
            "Use Redis for the cache and RQ for jobs.\n",
            "Use Memcached for the cache and Celery for jobs.\n",
        )
        + "x\n"
        + conflict_block("Deploy on Tuesday.\n", "Deploy on Monday.\n"),
        conflict=True,
    )


def test_it_takes_the_change_once_when_both_made_the_same_change():
    mine = theirs = SOLUTION.replace("1 hour", "2 hours")

    assert merge_text(SOLUTION, mine, theirs) == TextMerge(mine, conflict=False)


def test_it_takes_a_shared_change_once_alongside_separate_ones():
    base = "a\nb\nc\nd\ne\nf\n"
    mine = "A\nb\nc\nD\ne\nf\n"
    theirs = "a\nb\nc\nD\ne\nF\n"

    assert merge_text(base, mine, theirs) == TextMerge("A\nb\nc\nD\ne\nF\n", conflict=False)


def test_it_takes_the_only_change_when_one_side_changed_nothing():
    mine = SOLUTION + "Also: retry with backoff.\n"

    assert merge_text(SOLUTION, mine, SOLUTION) == TextMerge(mine, conflict=False)
    assert merge_text(SOLUTION, SOLUTION, mine) == TextMerge(mine, conflict=False)


def test_it_keeps_both_when_one_deleted_a_line_the_other_edited():
    mine = SOLUTION.replace("We set acks_late=True.\n", "")
    theirs = SOLUTION.replace("acks_late=True", "acks_late=False")

    merged = merge_text(SOLUTION, mine, theirs)

    assert merged.conflict
    assert merged.text == (
        "Celery workers lost tasks on restart.\n"
        + conflict_block("We set acks_late=False.\n", "")
        + "Redis visibility_timeout is 1 hour.\n"
        "Tasks are idempotent.\n"
    )


def test_it_keeps_both_insertions_at_the_same_place():
    base = "# Fix\nRestart the worker.\n"
    mine = "# Fix\nFlush the queue.\nRestart the worker.\n"
    theirs = "# Fix\nCheck the broker URL.\nRestart the worker.\n"

    merged = merge_text(base, mine, theirs)

    assert merged == TextMerge(
        "# Fix\n"
        + conflict_block("Check the broker URL.\n", "Flush the queue.\n")
        + "Restart the worker.\n",
        conflict=True,
    )


def test_it_keeps_both_rewrites_of_the_same_line():
    merged = merge_text("Use JWT.\n", "Use sessions.\n", "Use OAuth.\n")

    assert merged == TextMerge(conflict_block("Use OAuth.\n", "Use sessions.\n"), conflict=True)


def test_it_merges_crlf_and_lf_texts_as_the_same_lines():
    base = "one\r\ntwo\r\nthree\r\n"
    mine = "ONE\r\ntwo\r\nthree\r\n"
    theirs = "one\ntwo\nTHREE\n"

    assert merge_text(base, mine, theirs) == TextMerge("ONE\ntwo\nTHREE\n", conflict=False)


def test_it_treats_a_crlf_only_difference_as_no_change():
    assert merge_text("a\nb\n", "a\r\nb\r\n", "a\nB\n") == TextMerge("a\nB\n", conflict=False)


def test_it_merges_texts_without_a_trailing_newline():
    merged = merge_text("one\ntwo\nthree", "ONE\ntwo\nthree", "one\ntwo\nTHREE")

    assert merged == TextMerge("ONE\ntwo\nTHREE", conflict=False)


def test_it_appends_after_a_last_line_without_newline_while_the_other_edits_above():
    merged = merge_text("a\nb\nc", "A\nb\nc", "a\nb\nc\nd")

    assert merged == TextMerge("A\nb\nc\nd", conflict=False)


def test_it_keeps_a_newline_added_at_the_end_by_one_side():
    merged = merge_text("a\nb\nc", "A\nb\nc", "a\nb\nc\n")

    assert merged == TextMerge("A\nb\nc\n", conflict=False)


def test_it_merges_from_an_empty_base():
    assert merge_text("", "", "Written by them.\n") == TextMerge("Written by them.\n", False)
    assert merge_text("", "Mine.\n", "") == TextMerge("Mine.\n", conflict=False)

    merged = merge_text("", "Mine.\n", "Theirs.\n")

    assert merged == TextMerge(conflict_block("Theirs.\n", "Mine.\n"), conflict=True)


def test_it_keeps_a_conflict_at_the_end_of_a_text_without_trailing_newline():
    merged = merge_text("a\nb", "a\nmine", "a\ntheirs")

    assert merged.conflict
    assert merged.text == "a\n" + conflict_block("theirs\n", "mine\n").removesuffix("\n")


def test_it_separates_edits_of_repeated_lines_that_a_plain_diff_would_pair_up_wrongly():
    # Mine deleted the first "- [ ] test", theirs ticked the last: a line diff could read
    # mine as deleting the last one and report an overlap.
    base = "- [ ] test\n- [ ] test\n- [ ] test\n"
    mine = "- [ ] test\n- [ ] test\n"
    theirs = "- [ ] test\n- [ ] test\n- [x] test\n"

    assert merge_text(base, mine, theirs) == TextMerge("- [ ] test\n- [x] test\n", conflict=False)


# --- one-line fields ------------------------------------------------------------------------


def test_it_merges_two_edits_of_different_parts_of_a_title():
    merged = merge_line(
        "Redis timeout in Celery", "Redis timeout in Celery beat", "Fix: Redis timeout in Celery"
    )

    assert merged == TextMerge("Fix: Redis timeout in Celery beat", conflict=False)


def test_it_keeps_both_titles_when_they_overlap():
    merged = merge_line("CORS error", "CORS error on login", "CORS error on upload")

    assert merged == TextMerge("CORS error on upload ⟷ CORS error on login", conflict=True)


def test_it_takes_the_changed_title_when_the_other_side_kept_it():
    assert merge_line("JWT", "JWT expiry", "JWT") == TextMerge("JWT expiry", conflict=False)
    assert merge_line("JWT", "JWT", "JWT refresh") == TextMerge("JWT refresh", conflict=False)
    assert merge_line("JWT", "JWT!", "JWT!") == TextMerge("JWT!", conflict=False)


# --- sets -----------------------------------------------------------------------------------


def test_it_merges_tags_added_and_removed_on_both_sides():
    base = frozenset({"celery", "redis", "jwt"})
    mine = frozenset({"celery", "redis", "cors"})  # removed jwt, added cors
    theirs = frozenset({"redis", "jwt", "django"})  # removed celery, added django

    assert merge_set(base, mine, theirs) == frozenset({"redis", "cors", "django"})


def test_a_tag_removed_by_one_side_and_kept_by_the_other_is_removed():
    assert merge_set(frozenset({"a", "b"}), frozenset({"a"}), frozenset({"a", "b"})) == {"a"}


def test_a_tag_added_by_both_sides_is_there_once():
    merged = merge_set(frozenset(), frozenset({"redis"}), frozenset({"redis"}))

    assert merged == frozenset({"redis"})


# --- whole cards ----------------------------------------------------------------------------

KINDS = {"lines": {"title"}, "text": {"problem", "solution"}, "sets": {"tags"}}


def card(**fields):
    return {"title": "Tasks lost", "problem": "", "solution": SOLUTION, "tags": set(), **fields}


def test_it_keeps_both_edits_to_different_fields():
    base = card(tags={"celery"})
    mine = {"title": "Tasks lost on restart"}
    theirs = card(problem="Workers restart nightly.\n", tags={"celery", "redis"})

    merged, conflicts = merge_fields(base, mine, theirs, **KINDS)

    assert conflicts == []
    assert merged == {
        "title": "Tasks lost on restart",
        "problem": "Workers restart nightly.\n",
        "solution": SOLUTION,
        "tags": frozenset({"celery", "redis"}),
    }


def test_a_field_absent_from_mine_takes_theirs():
    base = card()
    theirs = card(title="Tasks vanish", solution="Rewritten.\n")

    merged, conflicts = merge_fields(base, {"problem": "Seen twice.\n"}, theirs, **KINDS)

    assert conflicts == []
    assert merged["title"] == "Tasks vanish"
    assert merged["solution"] == "Rewritten.\n"
    assert merged["problem"] == "Seen twice.\n"


def test_it_lists_the_conflicting_fields_in_order_and_merges_the_rest():
    base = card(tags={"redis"})
    mine = card(title="Lost tasks", solution="Mine.\n", tags={"redis", "jwt"})
    theirs = card(title="Tasks gone", solution="Theirs.\n", tags=set())

    merged, conflicts = merge_fields(base, mine, theirs, **KINDS)

    assert conflicts == ["solution", "title"]
    assert merged["title"] == "Tasks gone ⟷ Lost tasks"
    assert merged["solution"] == conflict_block("Theirs.\n", "Mine.\n")
    assert merged["tags"] == frozenset({"jwt"})


def test_it_refuses_a_field_without_a_merge_rule():
    with pytest.raises(ValueError, match="colour"):
        merge_fields(card(), {"colour": "red"}, card(), **KINDS)


def test_it_refuses_a_field_named_for_two_rules():
    with pytest.raises(ValueError, match="one rule"):
        merge_fields({}, {}, {}, lines={"title"}, text={"title"}, sets=set())


# --- properties -----------------------------------------------------------------------------

# A small alphabet, so that lines repeat (as blank lines and checklist items do); the long lines
# differ in separate words, so some overlapping edits merge character by character.
WORDS = [
    "a",
    "b",
    "",
    "- [ ] test",
    "Redis caches the tokens",
    "Memcached caches the tokens",
    "Redis caches the sessions",
    "Memcached caches the sessions",
]
NON_BLANK_WORDS = [word for word in WORDS if word]


def render(lines: list[str], trailing_newline: bool) -> str:
    return "".join(f"{line}\n" for line in lines) if trailing_newline else "\n".join(lines)


@st.composite
def two_separate_edits(draw):
    """Base lines and two edits of line ranges with at least one untouched line between them."""
    trailing_newline = draw(st.booleans())
    # Without a final newline a trailing blank line cannot be told apart, so leave blanks out.
    word = st.sampled_from(WORDS if trailing_newline else NON_BLANK_WORDS)
    base = draw(st.lists(word, min_size=1, max_size=12))
    upper_start = draw(st.integers(0, len(base) - 1))
    upper_end = draw(st.integers(upper_start, len(base) - 1))  # base[upper_end] is untouched
    lower_start = draw(st.integers(upper_end + 1, len(base)))
    lower_end = draw(st.integers(lower_start, len(base)))
    upper = base[:upper_start] + draw(st.lists(word, max_size=3)) + base[upper_end:]
    lower = base[:lower_start] + draw(st.lists(word, max_size=3)) + base[lower_end:]
    mine, theirs = (upper, lower) if draw(st.booleans()) else (lower, upper)
    return base, mine, theirs, trailing_newline


def readings(base, edited):
    """Every way to read ``edited`` as ``base`` with base[start:end] replaced by new items
    (lines of a text, or characters of a title)."""
    found = []
    for start in range(len(base) + 1):
        if edited[:start] != base[:start]:
            break
        for end in range(start, len(base) + 1):
            new_end = len(edited) - (len(base) - end)
            if new_end >= start and edited[new_end:] == base[end:]:
                found.append((start, end, edited[start:new_end]))
    return found


def both_applied(base, mine, theirs):
    """Every text made by applying both edits, under any reading that keeps them apart."""
    results = []
    for upper, lower in ((mine, theirs), (theirs, mine)):
        for upper_start, upper_end, upper_new in readings(base, upper):
            for lower_start, lower_end, lower_new in readings(base, lower):
                if upper_end < lower_start:
                    results.append(
                        base[:upper_start]
                        + upper_new
                        + base[upper_end:lower_start]
                        + lower_new
                        + base[lower_end:]
                    )
    return results


@st.composite
def edit_of(draw, base: list[str], word):
    """``base`` with up to three line ranges replaced by random lines."""
    lines = list(base)
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, len(lines)))
        end = draw(st.integers(start, min(len(lines), start + 2)))
        lines[start:end] = draw(st.lists(word, max_size=2))
    return lines


@st.composite
def three_versions(draw):
    """A base and two edits of it, random or derived from it, with lines that repeat."""
    word = st.sampled_from(WORDS)
    base = draw(st.lists(word, max_size=8))
    mine = draw(st.one_of(edit_of(base, word), st.lists(word, max_size=8)))
    theirs = draw(st.one_of(edit_of(base, word), st.lists(word, max_size=8)))
    return tuple(render(lines, draw(st.booleans())) for lines in (base, mine, theirs))


@st.composite
def reworded_versions(draw):
    """Lines like "Redis caches the tokens" where each side may swap either word: edits of the
    same line may merge by character (different words) or truly overlap (the same word)."""
    subject = st.sampled_from(["Redis", "Memcached", "Valkey"])
    thing = st.sampled_from(["tokens", "sessions", "pages"])
    base = draw(st.lists(st.tuples(subject, thing), min_size=1, max_size=6))

    def reworded(pairs):
        return [
            (
                draw(subject) if draw(st.booleans()) else who,
                draw(thing) if draw(st.booleans()) else what,
            )
            for who, what in pairs
        ]

    def render_pairs(pairs):
        return "".join(f"{who} caches the {what}\n\n" for who, what in pairs)

    return render_pairs(base), render_pairs(reworded(base)), render_pairs(reworded(base))


ANY_TEXT = st.text(alphabet="ab \n\r", max_size=30)


def normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def line_set(text: str) -> set[str]:
    return set(normalised(text).split("\n")) - {""}


@settings(max_examples=300, deadline=None)
@given(two_separate_edits())
def test_property_edits_to_separate_lines_both_survive(case):
    base, mine, theirs, trailing_newline = case
    # Repeated lines make an edit ambiguous ("b b" -> "b b b": which "b" is new?), so the merge
    # may be any text with both edits applied at some reading of where each one was made; two
    # edits that leave the same text are one shared change.
    expected = {render(lines, trailing_newline) for lines in both_applied(base, mine, theirs)}
    if mine == theirs:
        expected = {render(mine, trailing_newline)}
    assert expected  # the generated edits are always one such reading

    merged = merge_text(*(render(lines, trailing_newline) for lines in (base, mine, theirs)))

    assert not merged.conflict
    assert merged.text in expected


@st.composite
def changes_to_different_lines(draw, clash=False):
    """A base of "key: value" lines, and two sides that each change their own set of lines
    (rewritten, deleted or split in two), interleaved and often next to each other, and
    insert lines where the other side changed neither neighbour. Returns base, mine, theirs,
    the line-wise union of both edits, and whether texts end in a newline.

    With ``clash`` both sides also rewrite one line, each to a different value: a true overlap.
    """
    keys = draw(st.lists(st.sampled_from("abcdefghijkl"), min_size=1, max_size=10, unique=True))
    base = [f"{key}: {draw(st.sampled_from('01'))}" for key in keys]
    sides = st.sampled_from(["", "mine", "theirs"])
    owners = draw(st.lists(sides, min_size=len(base), max_size=len(base)))
    clashing = draw(st.integers(0, len(base) - 1)) if clash else None
    new_value = st.sampled_from("23456789")
    versions: dict[str, list[str]] = {"mine": [], "theirs": []}
    union: list[str] = []

    def insert_at(gap):
        neighbours = set(owners[max(gap - 1, 0) : gap + 1])
        side = draw(sides)
        other = {"mine": "theirs", "theirs": "mine"}.get(side)
        if side and other not in neighbours and clashing not in (gap - 1, gap):
            added = [f"+{gap}.{i}: {draw(new_value)}" for i in range(draw(st.integers(1, 2)))]
            versions[side] += added
            union.extend(added)

    for index, (key, line, owner) in enumerate(zip(keys, base, owners, strict=True)):
        insert_at(index)
        if index == clashing:
            for side, value in zip(versions, draw(st.permutations("57")), strict=True):
                versions[side].append(f"{key}: {value}")
            continue
        if owner:
            changed = [f"{key}: {draw(new_value)}" for _ in range(draw(st.integers(0, 2)))]
            union.extend(changed)
            versions[owner] += changed
            versions["theirs" if owner == "mine" else "mine"].append(line)
        else:
            union.append(line)
            for lines in versions.values():
                lines.append(line)
    insert_at(len(base))
    trailing_newline = draw(st.booleans())
    return base, versions["mine"], versions["theirs"], union, trailing_newline


@settings(max_examples=200, deadline=None)
@given(changes_to_different_lines())
def test_property_changes_to_different_lines_merge_to_their_union(case):
    # Unlike the property above, no untouched line need lie between the two sides' changes.
    base, mine, theirs, union, trailing_newline = case

    merged = merge_text(*(render(lines, trailing_newline) for lines in (base, mine, theirs)))

    assert merged == TextMerge(render(union, trailing_newline), conflict=False)


@settings(max_examples=100, deadline=None)
@given(changes_to_different_lines(clash=True))
def test_property_a_clashing_line_among_separate_changes_keeps_every_new_line(case):
    base, mine, theirs, _, trailing_newline = case
    texts = [render(lines, trailing_newline) for lines in (base, mine, theirs)]

    merged = merge_text(*texts)

    assert merged.conflict
    assert merged.text.count("<<<<<<< their version\n") >= 1
    result = merged.text.split("\n")
    for side in (mine, theirs):
        assert set(side) - set(base) <= set(result)


@settings(max_examples=300, deadline=None)
@given(st.one_of(three_versions(), st.tuples(ANY_TEXT, ANY_TEXT, ANY_TEXT)))
def test_property_merge_never_fails_and_one_sided_edits_win(case):
    base, mine, theirs = case

    merged = merge_text(base, mine, theirs)

    assert isinstance(merged.text, str)
    if normalised(theirs) == normalised(base):
        assert merged == TextMerge(normalised(mine), conflict=False)
    if normalised(mine) == normalised(base):
        assert merged == TextMerge(normalised(theirs), conflict=False)


@settings(max_examples=300, deadline=None)
@given(st.one_of(three_versions(), reworded_versions()))
def test_property_a_conflict_drops_no_new_line_from_either_side(case):
    base, mine, theirs = case

    merged = merge_text(base, mine, theirs)

    if merged.conflict:
        result = line_set(merged.text)
        assert line_set(mine) - line_set(base) <= result
        assert line_set(theirs) - line_set(base) <= result


@st.composite
def separate_character_edits(draw):
    """A title and an edit on each side of an untouched stretch (often long enough to merge)."""
    chars = st.text(alphabet="abcdef ", max_size=12)
    head, gap, tail = draw(chars), draw(st.text(alphabet="abcdef ", min_size=1)), draw(chars)
    base = head + gap + tail
    upper_start = draw(st.integers(0, len(head)))
    upper_end = draw(st.integers(upper_start, len(head)))
    lower_start = draw(st.integers(len(head) + len(gap), len(base)))
    lower_end = draw(st.integers(lower_start, len(base)))
    new_text = st.text(alphabet="abxy", max_size=4)
    upper = base[:upper_start] + draw(new_text) + base[upper_end:]
    lower = base[:lower_start] + draw(new_text) + base[lower_end:]
    mine, theirs = (upper, lower) if draw(st.booleans()) else (lower, upper)
    return base, mine, theirs


@settings(max_examples=300, deadline=None)
@given(separate_character_edits())
def test_property_a_clean_title_merge_keeps_both_edits(case):
    base, mine, theirs = case

    merged = merge_line(base, mine, theirs)

    if merged.conflict:  # characters close together may conflict, but both are kept
        assert merged.text == f"{theirs} ⟷ {mine}"
    elif mine != theirs:
        assert merged.text in both_applied(base, mine, theirs)


TAGS = st.frozensets(st.sampled_from(["celery", "redis", "jwt", "cors", "django"]))


@settings(max_examples=300, deadline=None)
@given(TAGS, TAGS, TAGS)
def test_property_merged_sets_keep_every_addition_and_removal(base, mine, theirs):
    merged = merge_set(base, mine, theirs)

    assert (mine - base) | (theirs - base) <= merged  # everything either side added
    assert not merged & ((base - mine) | (base - theirs))  # nothing either side removed
    assert base & mine & theirs <= merged  # everything both kept
    assert merged <= base | mine | theirs
    assert merged == merge_set(base, theirs, mine)
    assert merge_set(base, base, theirs) == theirs
    assert merge_set(base, mine, base) == mine


def test_it_keeps_both_edits_to_neighbouring_lines():
    base = "Cache hot lists\nPaginate by cursor\nMeasure p99\n"
    mine = "Cache hot lists in Redis\nPaginate by cursor\nMeasure p99\n"
    theirs = "Cache hot lists\nPaginate by cursor (DRF)\nMeasure p99\n"
    assert merge_text(base, mine, theirs) == TextMerge(
        "Cache hot lists in Redis\nPaginate by cursor (DRF)\nMeasure p99\n", conflict=False
    )
