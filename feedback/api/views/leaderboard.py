"""The version leaderboard for reviewers and admins."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api.permissions import project_for
from feedback.labelling.models import Role
from feedback.loop.services.leaderboard_fits import leaderboard_read


class LeaderboardRowSerializer(serializers.Serializer):
    version = serializers.CharField(help_text='"v3", "base model", or "<kind>: <name>" for imported outputs')
    rating = serializers.FloatField(allow_null=True, help_text="Bradley–Terry, Elo scale; the base model is 1000; "
                                    "from the stored fit (see computed_at, stale)")
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    comparisons = serializers.IntegerField()
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    ties = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True)
    thumbs_up_share = serializers.FloatField(allow_null=True)
    thumbs = serializers.IntegerField()
    computed_at = serializers.DateTimeField(allow_null=True, help_text="When the ratings and intervals were fitted "
                                            "(None: not yet; a refit is queued). The counts are always current.")
    fitted_comparisons = serializers.IntegerField(help_text="How many comparisons the ratings were fitted on")
    stale = serializers.BooleanField(help_text="The comparisons changed since the fit; a refit is queued")


class Leaderboard(APIView):
    """Ratings of model/adapter versions from pairwise labels, with 95% bootstrap intervals,
    as the last stored fit has them; comparisons, wins and thumbs as the labels are now."""

    @extend_schema(responses={200: LeaderboardRowSerializer(many=True)})
    def get(self, request, slug):
        project, _ = project_for(request, slug, min_role=Role.REVIEWER)
        board = leaderboard_read(project=project)
        fit = {"computed_at": board.computed_at, "fitted_comparisons": board.fitted_count, "stale": board.stale}
        return Response(LeaderboardRowSerializer([{**row, **fit} for row in board.rows], many=True).data)
