"""Knowledge pages, mounted under /w/<workspace_slug>/knowledge/."""

from django.urls import path

from knowledge import views

urlpatterns = [
    path("", views.knowledge, name="knowledge"),
    path("search/", views.knowledge_search, name="knowledge_search"),
    path("upload/", views.document_upload, name="knowledge_upload"),
    path("faq/", views.faq_create, name="knowledge_faq_create"),
    path("<int:document_id>/", views.document_detail, name="knowledge_document"),
    path("<int:document_id>/original/", views.document_original, name="knowledge_document_original"),
    path("<int:document_id>/reindex/", views.document_reindex, name="knowledge_document_reindex"),
    path("<int:document_id>/delete/", views.document_delete, name="knowledge_document_delete"),
]
