"""The board form: a name and who can see it."""

from django import forms

from accounts.forms import AudienceForm
from boards.actions import BOARD_NAME_MAX


class BoardForm(AudienceForm):
    name = forms.CharField(label="Name", max_length=BOARD_NAME_MAX)
    public = forms.BooleanField(label="Readable by everyone signed in", required=False)
    public_label = "No team: I edit it, everyone signed in reads it"
