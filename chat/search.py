"""Message search: PostgreSQL full-text search, a plain substring match on SQLite."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, QuerySet

from accounts.models import User
from chat.models import Message, Room

LIMIT = 50
CONFIG = "english"  # the GIN index in migration 0004 uses the same expression


def search_messages(user: User, text: str) -> QuerySet[Message]:
    """The best matches among the messages of the rooms `user` can see."""
    rooms = Room.objects.visible_to(user).values("pk")
    found = (
        Message.objects.filter(room__in=rooms, deleted_at__isnull=True)
        .select_related("author", "room")
        .prefetch_related("reactions__user")
    )
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=CONFIG)
        vector = SearchVector("body", config=CONFIG)
        return (
            found.annotate(document=vector)
            .filter(document=query)
            .annotate(rank=SearchRank(F("document"), query))
            .order_by("-rank", "-created_at")[:LIMIT]
        )
    words = text.split()
    for word in words:
        found = found.filter(body__icontains=word)
    return found.order_by("-created_at")[:LIMIT] if words else found.none()
