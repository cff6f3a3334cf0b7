from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from feedback.labelling.selectors import project_cards


@login_required
def project_list(request):
    return render(request, "labelling/project_list.html", {"cards": project_cards(request.user)})
