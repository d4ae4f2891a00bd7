"""Three-way merge of two concurrent edits of a card, against the version both started from.

Pure Python, no Django. Every function takes ``base`` (the version both editors started from),
``mine`` (the edit being saved) and ``theirs`` (what is stored now, saved by someone else).
Edits that do not overlap both survive; a real overlap keeps both texts and says so
(``conflict=True``): an edit is never silently dropped.

Text is merged line by line (merge3). merge3 calls a region a conflict when no line in it was
left alone by both sides, even if each line was changed by one side only; such a region is
settled change by change. Where both sides changed the same lines, the text is merged character
by character (diff-match-patch) if that settles every such region; otherwise each such region
becomes a conflict block holding their lines, then mine, verbatim.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from diff_match_patch import diff_match_patch
from merge3 import Merge3

THEIRS_START = "<<<<<<< their version\n"
DIVIDER = "=======\n"
MINE_END = ">>>>>>> your version\n"
LINE_CONFLICT_SEPARATOR = " ⟷ "

# patch_apply pads the text with these characters; a text holding them could match the padding.
_DMP_PADDING = frozenset("\x01\x02\x03\x04")

T = TypeVar("T")


@dataclass(frozen=True)
class TextMerge:
    text: str
    conflict: bool


def merge_text(base: str, mine: str, theirs: str) -> TextMerge:
    """Merge two edits of a multi-line text; a true overlap becomes a conflict block."""
    base, mine, theirs = _normalise(base), _normalise(mine), _normalise(theirs)
    unchanged = _one_side_unchanged(base, mine, theirs)
    if unchanged is not None:
        return TextMerge(unchanged, conflict=False)

    base_lines, mine_lines, theirs_lines = _lines(base), _lines(mine), _lines(theirs)
    separate = _merge_separate_changes(base_lines, mine_lines, theirs_lines)
    if separate is not None:
        pieces, conflict = separate, False
    else:
        pieces, conflict = _merge_lines(base_lines, mine_lines, theirs_lines)

    merged = "".join(pieces)
    # Lines are merged with a final "\n" added where it was missing; put back the merged choice.
    ends_with_newline = _merge_value(*(text.endswith("\n") for text in (base, mine, theirs)))
    if merged and not ends_with_newline:
        merged = merged[:-1]
    return TextMerge(merged, conflict)


def merge_line(base: str, mine: str, theirs: str) -> TextMerge:
    """Merge two edits of a one-line field (a title); a true overlap shows both, theirs first."""
    unchanged = _one_side_unchanged(base, mine, theirs)
    if unchanged is not None:
        return TextMerge(unchanged, conflict=False)
    merged = _merge_characters(base, mine, theirs)
    if merged is not None:
        return TextMerge(merged, conflict=False)
    return TextMerge(f"{theirs}{LINE_CONFLICT_SEPARATOR}{mine}", conflict=True)


def merge_set(base: frozenset, mine: frozenset, theirs: frozenset) -> frozenset:
    """Keep what neither side removed, plus what either side added. Never a conflict."""
    removed = (base - mine) | (base - theirs)
    added = (mine - base) | (theirs - base)
    return frozenset((base - removed) | added)


def merge_fields(
    base: Mapping[str, Any],
    mine: Mapping[str, Any],
    theirs: Mapping[str, Any],
    *,
    lines: set[str],
    text: set[str],
    sets: set[str],
) -> tuple[dict[str, Any], list[str]]:
    """Merge a card field by field; return the merged fields and the sorted conflicting names.

    ``lines`` are one-line fields, ``text`` multi-line ones, ``sets`` unordered collections.
    A field absent from ``mine`` was not touched by me, so theirs stands. A field in ``mine``
    with no rule is an error rather than a guess: an edit must never vanish silently.
    """
    named = [*lines, *text, *sets]
    if len(named) != len(set(named)):
        raise ValueError("a field can be merged by only one rule")
    unknown = set(mine) - set(named)
    if unknown:
        raise ValueError(f"no merge rule for field(s): {', '.join(sorted(unknown))}")

    merged = dict(theirs)
    conflicts: list[str] = []
    for name in sorted(mine):
        if name in sets:
            start = frozenset(base.get(name, ()))
            stored = frozenset(theirs.get(name, start))
            merged[name] = merge_set(start, frozenset(mine[name]), stored)
            continue
        merge = merge_line if name in lines else merge_text
        start = base.get(name, "")
        result = merge(start, mine[name], theirs.get(name, start))
        merged[name] = result.text
        if result.conflict:
            conflicts.append(name)
    return merged, conflicts


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _one_side_unchanged(base: T, mine: T, theirs: T) -> T | None:
    """The answer when at most one side changed anything (or both made the same change)."""
    if mine == base:
        return theirs
    if theirs == base or mine == theirs:
        return mine
    return None


def _merge_value(base: T, mine: T, theirs: T) -> T:
    """Three-way merge of a small value where both sides changing it means the same change."""
    return theirs if mine == base else mine


def _lines(text: str) -> list[str]:
    """The lines of ``text``, each ending in "\n" (one is added to the last if missing)."""
    if not text:
        return []
    return [line + "\n" for line in text.removesuffix("\n").split("\n")]


class _LineMatcher:
    """The lines two texts share, for merge3: diff-match-patch's Myers diff of the texts with
    each distinct line as one character. difflib's matcher turns quadratic on long texts with
    many repeated lines (blank lines, checklists) unless it ignores them, which misaligns."""

    def __init__(self, isjunk: object, a: Sequence[str], b: Sequence[str]) -> None:
        self.a, self.b = a, b

    def get_matching_blocks(self) -> list[tuple[int, int, int]]:
        codes: dict[str, str] = {}

        def encode(lines: Sequence[str]) -> str:
            return "".join(codes.setdefault(line, chr(len(codes))) for line in lines)

        blocks = []
        a_index = b_index = 0
        for operation, chunk in _patcher().diff_main(encode(self.a), encode(self.b), False):
            if operation == diff_match_patch.DIFF_EQUAL:
                blocks.append((a_index, b_index, len(chunk)))
            if operation != diff_match_patch.DIFF_INSERT:
                a_index += len(chunk)
            if operation != diff_match_patch.DIFF_DELETE:
                b_index += len(chunk)
        blocks.append((len(self.a), len(self.b), 0))
        return blocks


def _merge_lines(base: list[str], mine: list[str], theirs: list[str]) -> tuple[list[str], bool]:
    """merge3 by lines; each region both sides changed is settled, or both sides are kept.

    Character merges are used only when they settle every such region: in a conflict copy the
    user compares each side's own lines, so each overlapping region shows both sides verbatim.
    """
    settled: list[list[str] | None] = []
    overlaps: list[tuple[str, str, str]] = []
    for group in Merge3(base, mine, theirs, sequence_matcher=_LineMatcher).merge_groups():
        if group[0] != "conflict":
            settled.append(list(group[1]))
            continue
        _, base_part, mine_part, theirs_part = group
        parts = list(base_part), list(mine_part), list(theirs_part)
        separate = _merge_separate_changes(*parts)
        if separate is None:
            separate = _merge_disjoint_changes(*parts)
        settled.append(separate)
        if separate is None:
            overlaps.append(("".join(base_part), "".join(mine_part), "".join(theirs_part)))

    by_characters = [_merge_characters(*overlap) for overlap in overlaps]
    conflict = None in by_characters
    if conflict:
        fills = [[THEIRS_START, theirs, DIVIDER, mine, MINE_END] for _, mine, theirs in overlaps]
    else:
        fills = [[merged] for merged in by_characters if merged is not None]
    fill = iter(fills)
    pieces = [piece for lines in settled for piece in (next(fill) if lines is None else lines)]
    return pieces, conflict


def _merge_separate_changes(
    base: list[str], mine: list[str], theirs: list[str]
) -> list[str] | None:
    """Merge when one side changed only lines above some base line and the other only below it
    (or right at it when both rewrote lines: two people fixing neighbouring lines keep both).

        When lines repeat, a line-by-line diff can pair them up wrongly and report an overlap where
        there is none (base "a a a", mine deleted the first "a", theirs changed the last). Reading
        each side as "kept the longest possible tail" and the other as "kept the longest possible
        head" finds the split whenever one exists.
    """
    for upper, lower in ((mine, theirs), (theirs, mine)):
        kept_tail = _common_length(reversed(base), reversed(upper))
        kept_head = _common_length(base, lower)
        upper_end = len(base) - kept_tail  # upper changed nothing from here on
        # Adjacent changes merge when each rewrote lines of its own; two insertions at the same
        # place stay a conflict (which comes first is the people's call).
        upper_start = _common_length(base, upper)
        lower_end = len(base) - _common_length(reversed(base), reversed(lower))
        adjacent = upper_end == kept_head and upper_start < upper_end and kept_head < lower_end
        if upper_end < kept_head or adjacent:
            return upper[: len(upper) - kept_tail] + base[upper_end:kept_head] + lower[kept_head:]
    return None


def _merge_disjoint_changes(
    base: list[str], mine: list[str], theirs: list[str]
) -> list[str] | None:
    """Apply both sides' changes when no base line is changed by both, however they interleave
    (mine rewrote line 2, theirs lines 1 and 3). Changes meeting end to end merge when each
    rewrote lines of its own, as in ``_merge_separate_changes``; an insertion right next to
    the other side's change stays a conflict. A change both sides made is taken once.
    """
    changes = sorted(set(_changes(base, mine)) | set(_changes(base, theirs)))
    for (start, end, _), (next_start, next_end, _) in itertools.pairwise(changes):
        apart = end < next_start
        end_to_end = end == next_start and start < end and next_start < next_end
        if not (apart or end_to_end):
            return None
    merged: list[str] = []
    done = 0
    for start, end, lines in changes:
        merged += base[done:start] + list(lines)
        done = end
    return merged + base[done:]


def _changes(base: list[str], edited: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
    """``edited`` as changes of ``base``: (start, end, lines) replaces base[start:end]."""
    changes = []
    base_done = edited_done = 0
    for base_index, edited_index, size in _LineMatcher(None, base, edited).get_matching_blocks():
        if base_done < base_index or edited_done < edited_index:
            changes.append((base_done, base_index, tuple(edited[edited_done:edited_index])))
        base_done, edited_done = base_index + size, edited_index + size
    return changes


def _common_length(first: Iterable[str], second: Iterable[str]) -> int:
    count = 0
    for left, right in zip(first, second, strict=False):
        if left != right:
            break
        count += 1
    return count


@cache
def _patcher() -> diff_match_patch:
    patcher = diff_match_patch()
    # Exact matches only, anywhere in the text: by default a patch lands on text that merely
    # looks similar, which could apply my change on top of theirs and lose theirs.
    patcher.Match_Threshold = 0.001
    patcher.Match_Distance = 1_000_000_000
    patcher.Patch_DeleteThreshold = 0.0
    return patcher


def _merge_characters(base: str, mine: str, theirs: str) -> str | None:
    """Apply my changes to theirs and theirs to mine; accept only if both land, identically."""
    if any(_DMP_PADDING.intersection(text) for text in (base, mine, theirs)):
        return None
    patcher = _patcher()
    mine_on_theirs, mine_landed = patcher.patch_apply(patcher.patch_make(base, mine), theirs)
    theirs_on_mine, theirs_landed = patcher.patch_apply(patcher.patch_make(base, theirs), mine)
    if all(mine_landed) and all(theirs_landed) and mine_on_theirs == theirs_on_mine:
        return mine_on_theirs
    return None
