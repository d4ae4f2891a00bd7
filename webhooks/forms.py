"""The webhook form: what an owner fills in; the action checks it again (and the URL)."""

from django import forms

from webhooks.actions import KINDS
from webhooks.models import Format, Kind


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="Payload URL",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/hooks/nexus"}),
    )
    format = forms.ChoiceField(label="Format", choices=Format.choices, initial=Format.STANDARD)
    kinds = forms.MultipleChoiceField(
        label="Send these events",
        choices=[(kind, Kind(kind).label) for kind in KINDS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one kind of event."},
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
