"""Scenarios under /scenarios/ (namespace ``scenarios``)."""

from django.urls import path  # noqa: F401 (the routes are added with their views)

app_name = "scenarios"

urlpatterns: list = []

# The board paper: HTML to print or save as a PDF, and the same as a Word document (views_paper.py).
from pcnhub.scenarios import views_paper  # noqa: E402

urlpatterns += [
    path("<int:pk>/paper/", views_paper.paper_page, name="paper"),
    path("<int:pk>/paper.docx", views_paper.paper_word, name="paper_docx"),
]
