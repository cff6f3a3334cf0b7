"""The version leaderboard for reviewers and admins."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api.permissions import project_for
from feedback.labelling.models import Role
from feedback.loop.leaderboard_data import leaderboard


class LeaderboardRowSerializer(serializers.Serializer):
    version = serializers.CharField(help_text='"v3", "base model", or "<kind>: <name>" for imported outputs')
    rating = serializers.FloatField(allow_null=True, help_text="Bradley–Terry, Elo scale; the base model is 1000")
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    comparisons = serializers.IntegerField()
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    ties = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True)
    thumbs_up_share = serializers.FloatField(allow_null=True)
    thumbs = serializers.IntegerField()


class Leaderboard(APIView):
    """Ratings of model/adapter versions from pairwise labels, with 95% bootstrap intervals."""

    @extend_schema(responses={200: LeaderboardRowSerializer(many=True)})
    def get(self, request, slug):
        project, _ = project_for(request, slug, min_role=Role.REVIEWER)
        return Response(LeaderboardRowSerializer(leaderboard(project), many=True).data)
