"""Forms for profile and team pages; validation messages are what the person reads."""

from django import forms

from accounts.models import Role, Track


class ProfileForm(forms.Form):
    display_name = forms.CharField(label="Display name", max_length=80, required=False)
    track = forms.ChoiceField(label="Track", choices=Track.choices)


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=80)
    description = forms.CharField(label="Description", max_length=300, required=False)


class InviteForm(forms.Form):
    role = forms.ChoiceField(
        label="Joins as", choices=[(Role.MEMBER, "Member"), (Role.VIEWER, "Viewer")]
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
