from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count

from accounts.business_hours import timezone_choices
from accounts.models import ApiKey, Invitation, Membership, User, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "name"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "member_count",
        "seat_limit",
        "monthly_token_budget",
        "business_hours_enabled",
        "timezone",
        "public_key",
        "created_at",
    ]
    list_filter = ["business_hours_enabled"]
    search_fields = ["name", "slug", "public_key"]
    readonly_fields = ["public_key", "created_at"]
    # The identity secret is encrypted at rest and never shown here.
    exclude = ["identity_secret"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A select of the zones this server knows, rather than a free-text name to misspell;
        # business_hours stays JSON, checked by the model's validator (accounts/business_hours.py).
        if db_field.name == "timezone":
            return forms.ChoiceField(
                choices=[(name, name) for name in timezone_choices()],
                label="Time zone",
                help_text=db_field.help_text,
                initial=db_field.default,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="Members", ordering="member_total")
    def member_count(self, workspace):
        return workspace.member_total


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role", "workspace"]
    search_fields = ["user__email", "workspace__name"]
    autocomplete_fields = ["user", "workspace"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "workspace", "role", "status", "invited_by", "created_at", "expires_at"]
    list_filter = [
        "role",
        "workspace",
        ("accepted_at", admin.EmptyFieldListFilter),
        ("revoked_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email", "workspace__name"]
    readonly_fields = ["token_hash", "invited_by", "created_at", "accepted_at", "accepted_by"]
    exclude = ["token"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "masked", "role", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["role", "workspace", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "workspace__name"]
    # Only the masked form is ever shown; the hash is not worth showing either.
    fields = ["workspace", "name", "role", "masked", "created_by", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["workspace", "masked", "created_by", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False  # Keys are created in the console, where the secret can be shown once.
