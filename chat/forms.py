"""The room form: the fields a person fills in to create a room."""

from django import forms

from accounts.forms import AudienceForm
from chat.actions import ROOM_NAME_MAX, TOPIC_MAX


class RoomForm(AudienceForm):
    name = forms.CharField(label="Name", max_length=ROOM_NAME_MAX + 1)  # "#" may lead
    topic = forms.CharField(label="Topic", max_length=TOPIC_MAX, required=False)

    def room_fields(self) -> dict[str, object]:
        team = self.team()
        return {
            "name": self.cleaned_data["name"],
            "topic": self.cleaned_data["topic"],
            "team": team,
            "is_private": team is not None,
        }
