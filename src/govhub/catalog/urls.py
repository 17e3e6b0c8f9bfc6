from django.urls import path

from govhub.catalog import search_views, views

app_name = "catalog"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", search_views.search_page, name="search"),
    path("persons/", views.person_items, name="persons"),
    path("enterprises/", views.enterprise_items, name="enterprises"),
    path("themes/<slug:code>/", views.theme_items, name="theme"),
    path("life-events/<slug:code>/", views.life_event_items, name="life_event"),
    path("departments/<slug:code>/", views.department_items, name="department"),
    path("regions/<str:code>/", views.region_items, name="region"),
    path("intermediaries/", views.intermediaries, name="intermediaries"),
    path("items/<str:code>/", views.item_guide, name="item_guide"),
    path("items/<str:code>/guide.pdf", views.item_guide_pdf, name="item_guide_pdf"),
    path("items/<str:code>/versions/", views.item_versions, name="item_versions"),
    path("items/<str:code>/versions/<int:number>/", views.item_version, name="item_version"),
]
