"""The escalation rules page, mounted under /w/<workspace_slug>/rules/."""

from django.urls import path

from escalations import views

urlpatterns = [
    path("", views.rules, name="rules"),
    path("new/", views.rule_new, name="rule_new"),
    path("dry-run/", views.rules_dry_run, name="rules_dry_run"),
    path("<int:rule_id>/edit/", views.rule_edit, name="rule_edit"),
    path("<int:rule_id>/history/", views.rule_history, name="rule_history"),
    path("<int:rule_id>/enabled/", views.rule_set_enabled, name="rule_set_enabled"),
    path("<int:rule_id>/move/", views.rule_move, name="rule_move"),
    path("<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
]
