"""The web UI's URLs: one module per domain, each its own namespace."""

from django.urls import include, path

from bangfu.web.views import accounts, assets, dashboard, units

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("fonts/noto-sans-sc.otf", assets.cjk_font, name="cjk-font"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", accounts.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("units/suggest/", units.unit_suggest, name="unit-suggest"),
    path("inbox/", include("bangfu.web.urls.inbox")),
    path("contacts/", include("bangfu.web.urls.contacts")),
    path("plans/", include("bangfu.web.urls.plans")),
    path("ledger/", include("bangfu.web.urls.ledger")),
    path("progress/", include("bangfu.web.urls.progress")),
    path("audit/", include("bangfu.web.urls.audit")),
    path("activities/", include("bangfu.web.urls.activities")),
    path("assessment/", include("bangfu.web.urls.assessment")),
    path("bulletins/", include("bangfu.web.urls.bulletins")),
    path("reminders/history/", include("bangfu.web.urls.reminders")),
]
