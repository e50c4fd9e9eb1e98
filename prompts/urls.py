"""Prompt pages, mounted under /w/<workspace_slug>/prompts/."""

from django.urls import path

from prompts import views

urlpatterns = [
    path("", views.prompts_home, name="prompts"),
    path("new/", views.prompt_version_new, name="prompt_version_new"),
    path("compare/", views.prompt_version_compare, name="prompt_version_compare"),
    path("preview/", views.prompt_preview, name="prompt_preview"),
    path("sandbox/", views.prompt_sandbox, name="prompt_sandbox"),
    path("<int:version_id>/", views.prompt_version_detail, name="prompt_version_detail"),
    path("<int:version_id>/activate/", views.prompt_version_activate, name="prompt_version_activate"),
]
