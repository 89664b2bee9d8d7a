from django.urls import path

from bangfu.web.views import contacts

app_name = "contacts"
urlpatterns = [
    path("", contacts.contact_list, name="list"),
    path("<int:unit>/", contacts.contact_edit, name="edit"),
]
