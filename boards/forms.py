"""The board form: a name and who can see it."""

from django import forms

from accounts.forms import AudienceForm


class BoardForm(AudienceForm):
    name = forms.CharField(label="Name", max_length=120)
    public = forms.BooleanField(label="Readable by everyone signed in", required=False)
    public_label = "No team: I edit it, everyone signed in reads it"
