"""EC2: describe-instances (pages merged, one region) -> Instance records.

describe-instances is most of an account's bytes; only the fields rolemap uses are kept
(the public IP and metadata options feed the instance-exposure finding).
"""

from __future__ import annotations

from typing import Any

from graph.model import Instance
from graph.sources.shapes import bad_shape, expect_list, expect_object


def transform_instances(
    response: Any, region: str, account_id: str, *, partition: str = "aws", where: str = ""
) -> list[Instance]:
    """Every instance of one region's describe-instances output, terminated ones excluded.

    Terminated instances keep no role and reach nothing; they linger in the output for an hour.
    """
    prefix = f"{where}: " if where else ""
    response = expect_object(
        response, where or f"describe-instances {region}", "describe-instances output",
        ("Reservations",),
    )
    out: list[Instance] = []
    reservations = expect_list(response["Reservations"], f"{prefix}Reservations")
    for r, reservation in enumerate(reservations):
        at = -1
        try:
            owner = reservation.get("OwnerId") or account_id
            for i, raw in enumerate(reservation["Instances"]):
                at = i
                state = raw["State"]["Name"]
                if state == "terminated":
                    continue
                tags = {t["Key"]: t.get("Value", "") for t in raw.get("Tags") or ()}
                profile = raw.get("IamInstanceProfile")
                metadata = raw.get("MetadataOptions") or {}
                out.append(
                    Instance(
                        instance_id=raw["InstanceId"],
                        region=region,
                        state=state,
                        account_id=owner,
                        name=tags.get("Name", ""),
                        vpc_id=raw.get("VpcId"),
                        subnet_id=raw.get("SubnetId"),
                        private_ip=raw.get("PrivateIpAddress"),
                        instance_profile_arn=profile["Arn"] if profile else None,
                        tags=tags,
                        partition=partition,
                        public_ip=raw.get("PublicIpAddress") or None,
                        metadata_http_tokens=metadata.get("HttpTokens"),
                        metadata_http_endpoint=metadata.get("HttpEndpoint"),
                    )
                )
        except (KeyError, TypeError, AttributeError) as exc:
            path = f"{prefix}Reservations[{r}]" + (f".Instances[{at}]" if at >= 0 else "")
            raise bad_shape(path, exc) from exc
    return out
