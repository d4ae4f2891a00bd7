"""The admin: accounts are edited through accounts/actions.py; memberships are only read here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.forms import Form
from django.http import HttpRequest

from accounts import actions
from accounts.models import Invite, Membership, Team, User


class PasswordForm(AdminPasswordChangeForm):
    """Setting someone's password (or making it unusable) goes through the action too."""

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        return actions.update_account(user=user, changed=["password"]) if commit else user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "track", "is_staff"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "avatar_url", "track"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    change_password_form = PasswordForm

    def save_model(self, request: HttpRequest, obj: User, form: Form, change: bool) -> None:
        if not change:  # a new account has no open sockets yet
            super().save_model(request, obj, form, change)
            return
        actions.update_account(user=obj, changed=form.changed_data)


class MembershipInline(admin.TabularInline):
    """Read only. Owners manage their team in the app (accounts/actions.py), which keeps a
    team's last owner and tells the member's open sockets; an edit here did neither."""

    model = Membership
    extra = 0
    fields = readonly_fields = ["user", "role", "joined_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Team | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Team | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Team | None = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ["team", "role", "created_by", "expires_at", "revoked"]
