from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from feedback import converters
from feedback.api.pages import tokens_page

converters.register()  # before the apps' patterns below use <id:...> and <int32:...>

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("feedback.api.urls")),
    path("accounts/tokens/", tokens_page, name="tokens"),
    path("", include("feedback.labelling.urls")),
    path("", include("feedback.loop.urls")),
    path("", include("feedback.quality.urls")),
    path("", include("feedback.exports.urls")),
]

# Errors Django answers itself (no route, a bad Host, a body too large, a crash): JSON
# under /api/, Django's own pages elsewhere.
handler400 = "feedback.api.errors.bad_request"
handler403 = "feedback.api.errors.permission_denied"
handler404 = "feedback.api.errors.page_not_found"
handler500 = "feedback.api.errors.server_error"
