"""Why an instance reaches nothing at all: it holds no role.

"No statement grants it" would send a reviewer reading policies that play no part; an
instance without an instance profile (or with an empty one) gets no credentials from EC2,
so nothing in IAM can grant it anything. One sentence, shared by every view that says so.
"""

from __future__ import annotations

from graph.model import AccountSnapshot, Instance


def no_role_reason(snapshot: AccountSnapshot, instance: Instance) -> str | None:
    """The sentence when the instance holds no role; None when it holds one (or its profile
    could not be read, which is *unknown*, not "no role")."""
    if not instance.instance_profile_arn:
        return (f"instance {instance.label} has no instance profile (no role): it can reach "
                "nothing through IAM")
    profile = snapshot.profile_by_arn.get(instance.instance_profile_arn)
    if profile is not None and not profile.role_arns:
        return (f"instance {instance.label} has instance profile {profile.name} with no role "
                "in it: it can reach nothing through IAM")
    return None
