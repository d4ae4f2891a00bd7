"""Every write to profiles, teams, memberships and invites: check, validate, write atomically."""

import secrets
import string
from collections.abc import Collection

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts import policies
from accounts.models import EmailNotifications, Invite, Membership, Role, Team, Track, User
from nexus_live import events
from nexus_live.text import one_line

NAME_MAX = 80
DESCRIPTION_MAX = 300
SLUG_MAX = 80  # Team.slug holds 90: room for "-" and a suffix
NUMBERED = 9  # "guild", "guild-2" … "guild-9", then a random suffix
SLUG_ATTEMPTS = 5
SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
# What an account may do hangs on these: signing in, the admin, moderating (mentors), sessions.
ACCESS_FIELDS = frozenset({"is_active", "is_staff", "is_superuser", "track", "password"})


def sync_site() -> Site:
    """Make the current Site what SITE_NAME and SITE_DOMAIN say: mails (allauth's subject
    prefix, "an account on <domain>") name it. Run after every migrate, so a changed
    setting reaches the row on the next deploy."""
    site, _ = Site.objects.update_or_create(
        pk=settings.SITE_ID,
        defaults={"name": settings.SITE_NAME, "domain": settings.SITE_DOMAIN},
    )
    return site


def update_profile(
    *, user: User, display_name: str, track: str, email_notifications: str = ""
) -> User:
    """Save the profile; an empty `email_notifications` keeps the person's choice."""
    display_name = one_line(display_name, "A display name")
    if len(display_name) > NAME_MAX:
        raise ValidationError(f"Display name is at most {NAME_MAX} characters.")
    if track not in Track.values:
        raise ValidationError("Choose a track: backend, frontend or mentor.")
    email_notifications = email_notifications or user.email_notifications
    if email_notifications not in EmailNotifications.values:
        raise ValidationError("Choose when to be emailed: right away, daily or never.")
    with transaction.atomic():
        track_changed = user.track != track
        user.display_name = display_name
        user.track = track
        user.email_notifications = email_notifications
        user.save(update_fields=["display_name", "track", "email_notifications"])
        if track_changed:  # mentors moderate
            _access_changed(user)
    return user


def unsubscribe(*, user: User) -> User:
    """No more notification emails (a one-click unsubscribe: the token was checked)."""
    user.email_notifications = EmailNotifications.NEVER
    user.save(update_fields=["email_notifications"])
    return user


def update_account(*, user: User, changed: Collection[str]) -> User:
    """Save an operator's edit of someone's account, `changed` naming the fields it changed;
    one that changes what the person may do makes their open sockets look again. Its only
    caller is the admin, which has checked the operator's permission to change users."""
    with transaction.atomic():
        user.save()
        if ACCESS_FIELDS.intersection(changed):
            _access_changed(user)
    return user


def create_team(*, user: User, name: str, description: str = "") -> Team:
    if not policies.can_create_team(user):
        raise PermissionDenied("Sign in to create a team.")
    name = one_line(name, "A team name")
    description = one_line(description, "A description")
    if not name:
        raise ValidationError("A team needs a name.")
    if len(name) > NAME_MAX:
        raise ValidationError(f"A team name is at most {NAME_MAX} characters.")
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(f"A description is at most {DESCRIPTION_MAX} characters.")
    for _ in range(SLUG_ATTEMPTS):
        try:
            with transaction.atomic():
                team = Team.objects.create(
                    name=name, slug=_free_slug(name), description=description
                )
                Membership.objects.create(team=team, user=user, role=Role.OWNER)
                return team
        except IntegrityError:
            continue  # someone took that address meanwhile: look again
    raise ValidationError("Could not find a free address for this team; try again.")


def _free_slug(name: str) -> str:
    """A readable address no team has yet: the name in ASCII ("guild", then "guild-2"…), then
    with a random suffix ("guild-k3x9qa"), so a common name never runs out.

    A name without ASCII letters or digits ("🚀", "Команда") gets "team-<random>": they all
    slugify to nothing, and sharing "team", "team-2"… refused everyone's after a few dozen.
    Unicode slugs are not an option: the URL's <slug:> and Team.slug's validation are ASCII.
    """
    base = slugify(name)[:SLUG_MAX].strip("-")
    if base:
        numbered = [base] + [f"{base}-{n}" for n in range(2, NUMBERED + 1)]
        taken = set(Team.objects.filter(slug__in=numbered).values_list("slug", flat=True))
        free = [slug for slug in numbered if slug not in taken]
        if free:
            return free[0]
    suffix = "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(6))
    return f"{base or 'team'}-{suffix}"


def create_invite(*, team: Team, user: User, role: str = Role.MEMBER) -> Invite:
    if not policies.can_manage_team(user, team):
        raise PermissionDenied("Only owners can invite people.")
    if role not in (Role.MEMBER, Role.VIEWER):
        raise ValidationError("An invite makes people members or viewers.")
    return Invite.objects.create(team=team, role=role, created_by=user)


def revoke_invite(*, invite: Invite, user: User) -> None:
    if not policies.can_manage_team(user, invite.team):
        raise PermissionDenied("Only owners can revoke invites.")
    invite.revoked = True
    invite.save(update_fields=["revoked"])


def accept_invite(*, invite: Invite, user: User) -> Membership:
    if not user.is_authenticated:
        raise PermissionDenied("Sign in to accept an invite.")
    with transaction.atomic():
        invite = Invite.objects.select_for_update().get(pk=invite.pk)
        if not invite.is_usable:
            raise ValidationError("This invite has expired or was revoked. Ask for a new one.")
        membership, created = Membership.objects.get_or_create(
            team=invite.team, user=user, defaults={"role": invite.role}
        )
        if created:
            _joined(membership)
        return membership


def _joined(membership: Membership) -> None:
    from webhooks import outbox  # webhooks build on accounts, not the other way

    outbox.member_joined(membership)


def _access_changed(user: User) -> None:
    """Open sockets of this person look again at what they may see and do, after commit."""
    events.access_changed(user.pk)


def credentials_changed(*, user: User) -> None:
    """A new password (or a reset): sockets of sessions it signed out close, the others stay,
    and every API sign-in ends (a token is not a session the new password could keep)."""
    from api.tokens import revoke_all  # the API builds on accounts, not the other way

    revoke_all(user, because="credentials")
    events.access_changed(user.pk)


def _lock_team(team: Team) -> None:
    """Serialise role changes in one team so the last owner can never be removed by a race."""
    Team.objects.select_for_update().filter(pk=team.pk).first()


def add_member(*, team: Team, user: User, member: User, role: str) -> Membership:
    """An owner puts someone in the team with a role (invites do it for people themselves).
    Someone already in keeps their role: that changes through change_role."""
    if not policies.can_manage_team(user, team):
        raise PermissionDenied("Only owners can add members.")
    if role not in Role.values:
        raise ValidationError("Choose a role: owner, member or viewer.")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            team=team, user=member, defaults={"role": role}
        )
        if created:
            _access_changed(member)
            _joined(membership)
        return membership


def change_role(*, team: Team, user: User, member: User, role: str) -> Membership:
    if not policies.can_manage_team(user, team):
        raise PermissionDenied("Only owners can change roles.")
    if role not in Role.values:
        raise ValidationError("Choose a role: owner, member or viewer.")
    with transaction.atomic():
        _lock_team(team)
        membership = Membership.objects.select_for_update().get(team=team, user=member)
        if membership.role == Role.OWNER and role != Role.OWNER and team.owner_count() == 1:
            raise ValidationError("A team needs an owner: make someone else owner first.")
        membership.role = role
        membership.save(update_fields=["role"])
        _access_changed(member)
        return membership


def remove_member(*, team: Team, user: User, member: User) -> None:
    if not policies.can_manage_team(user, team):
        raise PermissionDenied("Only owners can remove members.")
    if member == user:
        raise ValidationError("To remove yourself, leave the team.")
    with transaction.atomic():
        _lock_team(team)
        membership = Membership.objects.select_for_update().get(team=team, user=member)
        if membership.role == Role.OWNER and team.owner_count() == 1:
            raise ValidationError("A team needs an owner.")
        membership.delete()
        _access_changed(member)


def leave_team(*, team: Team, user: User) -> None:
    with transaction.atomic():
        _lock_team(team)
        if not policies.can_leave_team(user, team):
            if policies.role_of(user, team) is None:
                raise PermissionDenied("You are not in this team.")
            raise ValidationError("You are the last owner: make someone else owner first.")
        Membership.objects.filter(team=team, user=user).delete()
        _access_changed(user)
