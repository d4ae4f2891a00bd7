"""The room form: the fields a person fills in to create a room."""

from django import forms
from django.db.models import QuerySet

from accounts.models import Team


class RoomForm(forms.Form):
    name = forms.CharField(label="Name", max_length=41)
    topic = forms.CharField(label="Topic", max_length=300, required=False)
    audience = forms.ChoiceField(label="Who can join")

    def __init__(self, *args: object, teams: QuerySet[Team], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {str(team.pk): team for team in teams}
        self.fields["audience"].choices = [("public", "Everyone signed in")] + [
            (pk, f"{team.name} only") for pk, team in self.teams.items()
        ]

    def room_fields(self) -> dict[str, object]:
        audience = self.cleaned_data["audience"]
        team = self.teams.get(audience)
        return {
            "name": self.cleaned_data["name"],
            "topic": self.cleaned_data["topic"],
            "team": team,
            "is_private": team is not None,
        }
