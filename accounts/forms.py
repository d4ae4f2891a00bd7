"""Forms for profile and team pages; validation messages are what the person reads."""

from django import forms
from django.db.models import QuerySet

from accounts.actions import DESCRIPTION_MAX, NAME_MAX
from accounts.models import EmailNotifications, Role, Team, Track


class ProfileForm(forms.Form):
    display_name = forms.CharField(label="Display name", max_length=NAME_MAX, required=False)
    track = forms.ChoiceField(label="Track", choices=Track.choices)
    email_notifications = forms.ChoiceField(
        label="Email me about mentions and replies",
        choices=EmailNotifications.choices,
        required=False,  # left out: unchanged
    )


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=NAME_MAX)
    description = forms.CharField(label="Description", max_length=DESCRIPTION_MAX, required=False)


class InviteForm(forms.Form):
    role = forms.ChoiceField(
        label="Joins as", choices=[(Role.MEMBER, "Member"), (Role.VIEWER, "Viewer")]
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class AudienceForm(forms.Form):
    """Who a room or board is for: everyone signed in, or one of the person's teams."""

    audience = forms.ChoiceField(label="Who can join")
    public_label = "Everyone signed in"

    def __init__(self, *args: object, teams: QuerySet[Team], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {str(team.pk): team for team in teams}
        self.fields["audience"].choices = [("public", self.public_label)] + [
            (pk, f"{team.name} only") for pk, team in self.teams.items()
        ]

    def team(self) -> Team | None:
        return self.teams.get(self.cleaned_data["audience"])
