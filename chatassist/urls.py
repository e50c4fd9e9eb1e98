from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from accounts.views import auth
from chatassist import console, demo, health
from chatassist.navigation import SECTIONS
from conversations.chat import http as chat_http
from conversations.monitor import views as monitor_views

API_DOCS_POLICY = {
    "script-src": [UNSAFE_INLINE],
    "style-src": [UNSAFE_INLINE, "https://fonts.googleapis.com"],
    "font-src": ["https://fonts.gstatic.com"],
    "worker-src": ["blob:"],
}

workspace_patterns = [
    path("", console.dashboard, name="dashboard"),
    *[
        path(f"{section.key}/", console.coming_soon(section.key), name=section.key)
        for section in SECTIONS
        if not section.built
    ],
    path("prompts/", include("prompts.urls")),
    path("rules/", include("escalations.urls")),
    path("", include("accounts.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("conversations/", include("conversations.urls")),
    path("monitor/", include("conversations.monitor.urls")),
    path("escalations/", monitor_views.escalations, name="escalations"),
    path("activity/", console.activity_feed, name="activity_feed"),
]

password_reset_patterns = [
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset_form.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="accounts/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", auth.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("demo/", demo.demo, name="demo"),
    path("admin/", admin.site.urls),
    path("signup/", auth.sign_up, name="sign_up"),
    path("login/", auth.EmailLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    *password_reset_patterns,
    path("workspaces/new/", auth.workspace_create, name="workspace_create"),
    path("join/<slug:workspace_slug>/<str:token>/", auth.invitation_accept, name="invitation_accept"),
    path("w/<slug:workspace_slug>/", include(workspace_patterns)),
    path("api/v1/", include("accounts.api_urls")),
    path("api/v1/", include("conversations.api_urls")),
    path("api/chat", chat_http.send, name="chat_send"),
    path("api/chat/", include("conversations.chat_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Redoc sets inline styles, loads its web fonts and runs a worker: only this page (the
    # public schema, no customer data) gets the looser policy it needs (docs/deploy.md).
    path(
        "api/docs/", csp_update(API_DOCS_POLICY)(SpectacularRedocView.as_view(url_name="api_schema")), name="api_docs"
    ),
]

handler404 = "chatassist.api.not_found"
handler500 = "chatassist.api.server_error"
