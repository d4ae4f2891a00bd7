"""`{% vendor_script "vendor/…js" %}`: a script from static/vendor (npm packages `make assets`
copies), or nothing when that step was not run, so that a page never fails for want of it
(the feature it adds, @mention suggestions, is then absent; nothing else changes)."""

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def vendor_url(path: str) -> str:
    """The file's URL, or "" when it is not there."""
    if settings.DEBUG and not finders.find(path):
        return ""
    try:
        return static(path)
    except ValueError:  # not collected: the manifest has no entry for it
        return ""


@register.simple_tag
def vendor_script(path: str) -> str:
    url = vendor_url(path)
    return format_html('<script src="{}" defer></script>', url) if url else ""
