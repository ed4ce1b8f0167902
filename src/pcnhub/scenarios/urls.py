"""Scenarios under /scenarios/ (namespace ``scenarios``)."""

from django.urls import path

from pcnhub.scenarios import views, views_compare, views_paper, views_scenario

app_name = "scenarios"

urlpatterns = [
    path("", views.scenario_list, name="list"),
    path("new/", views.new, name="new"),
    path("compare/", views_compare.side_by_side, name="side_by_side"),
    path("from-design/<str:code>/", views.from_design, name="from_design"),
    path("<int:pk>/", views_scenario.detail, name="detail"),
    path("<int:pk>/changes/add/", views_scenario.add_change, name="add_change"),
    path("<int:pk>/changes/<int:number>/remove/", views_scenario.remove_change, name="remove_change"),
    path("<int:pk>/step/", views_scenario.step, name="step"),
    path("<int:pk>/comment/", views_scenario.comment, name="comment"),
    # the board paper: HTML to print or save as a PDF, and the same as a Word document (views_paper.py)
    path("<int:pk>/paper/", views_paper.paper_page, name="paper"),
    path("<int:pk>/paper.docx", views_paper.paper_word, name="paper_docx"),
]
