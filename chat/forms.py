"""The room form and the New message form: the fields a person fills in."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.forms import AudienceForm
from accounts.models import User
from chat import queries
from chat.actions import DIRECT_MAX, ROOM_NAME_MAX, TOPIC_MAX


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


class DirectForm(forms.Form):
    """Who a new direct message is for: people one shares a team with (ticked), and anyone
    else signed up, by email or display name (decision 016)."""

    people = forms.ModelMultipleChoiceField(
        label="People in your teams",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    to = forms.CharField(
        label="To",
        required=False,
        max_length=1000,
        help_text="Emails or names, separated by commas.",
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        mates = queries.teammates(user)
        self.fields["people"].queryset = User.objects.filter(pk__in=[p.pk for p in mates])
        self.fields["people"].label_from_instance = lambda person: f"{person.name} ({person.email})"

    def clean(self) -> dict:
        data = super().clean()
        chosen = {person.pk: person for person in data.get("people") or []}
        if data.get("to"):
            try:
                named = queries.people_named(data["to"], limit=DIRECT_MAX)
            except ValidationError as exc:
                raise ValidationError({"to": exc.messages}) from None
            chosen.update((person.pk, person) for person in named)
        chosen.pop(self.user.pk, None)
        if not chosen:
            raise ValidationError("Choose someone to write to.")
        data["people"] = list(chosen.values())
        return data
