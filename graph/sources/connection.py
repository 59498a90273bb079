"""A live AWS connection: one boto3 session, cached thread-safe clients, the endpoint honoured.

Clients are created once per (service, region) under a lock because boto3 sessions are not
thread-safe while clients are. `endpoint_url` (the demo's moto server) wins; otherwise botocore
reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> itself, so LocalStack works unchanged.
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from graph.errors import SourceError

DEFAULT_REGION = "us-east-1"
#: Seconds to connect, and to wait for each answer, per attempt; and attempts per call
#: (retries included). A call that never answers becomes a warning after about
#: attempts x timeout plus backoff: 4 x 12 s + a few seconds, within a minute (botocore's
#: defaults, 60 s x 8 attempts in adaptive mode, took eight minutes).
DEFAULT_TIMEOUT = 12.0
DEFAULT_ATTEMPTS = 4
#: Attempts for sts:GetCallerIdentity, the one call without which nothing loads: a burst of
#: throttling (other tools of the account sharing its STS rate) must not end the load. With
#: botocore's backoff (up to 1, 2, 4, 8, 16, 20... s) ten attempts wait at most about 90 s.
IDENTITY_ATTEMPTS = 10
_ACCOUNT_HOST_PREFIX = re.compile(r"^(https?://)\d{12}\.")


class AwsConnection:
    """Clients for one account; the wizard writes through the same connection it was read with."""

    def __init__(
        self,
        session: boto3.Session,
        *,
        endpoint_url: str | None = None,
        regions: tuple[str, ...] = (),
        retry_mode: str = "adaptive",
        max_attempts: int = DEFAULT_ATTEMPTS,
        max_pool_connections: int = 16,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.session = session
        self.endpoint_url = endpoint_url
        self.regions: tuple[str, ...] = regions
        self.default_region = session.region_name or DEFAULT_REGION
        # "adaptive": botocore's standard retries plus a client-side rate limiter that slows
        # down when AWS throttles, which a load of thousands of per-bucket calls needs.
        self._config = botocore.config.Config(
            retries={"mode": retry_mode, "total_max_attempts": max_attempts},
            max_pool_connections=max_pool_connections,
            connect_timeout=timeout,
            read_timeout=timeout,
        )
        self._identity_config = self._config.merge(botocore.config.Config(
            retries={"mode": retry_mode,
                     "total_max_attempts": max(max_attempts, IDENTITY_ATTEMPTS)}))
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._account_id: str | None = None

    @classmethod
    def from_profile(cls, profile: str | None, **kwargs: Any) -> AwsConnection:
        """The default credential chain, or the named profile; a bad profile is a SourceError."""
        try:
            session = boto3.Session(profile_name=profile)
        except ProfileNotFound as exc:
            raise SourceError(f"AWS profile: {exc}") from None
        return cls(session, **kwargs)

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client for `service` in `region` (default: the session's region)."""
        return self._client(service, region or self.default_region, self._config)

    def _client(self, service: str, region: str, config: botocore.config.Config,
                purpose: str = "") -> Any:
        key = (service + purpose, region)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self.session.client(
                    service, region_name=region, endpoint_url=self.endpoint_url,
                    config=config,
                )
                if service == "s3control":
                    _keep_account_off_custom_host(client)
                self._clients[key] = client
        return client

    def _profile_label(self) -> str:
        profile = self.session.profile_name
        return f" of profile {profile}" if profile and profile != "default" else ""

    @property
    def account_id(self) -> str:
        """The caller's account (sts:GetCallerIdentity, asked once)."""
        if self._account_id is None:
            self._account_id = str(self.caller_identity()["Account"])
        return self._account_id

    def caller_identity(self) -> dict[str, Any]:
        """sts:GetCallerIdentity; without it nothing else can be read, so failure is an error."""
        try:
            sts = self._client("sts", self.default_region, self._identity_config, "#identity")
            identity = sts.get_caller_identity()
        except NoCredentialsError:
            raise SourceError(
                "no AWS credentials found: use --profile, set AWS_PROFILE or AWS_ACCESS_KEY_ID, "
                "or try --demo"
            ) from None
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise SourceError(
                f"sts:GetCallerIdentity failed: {err.get('Message', exc)} [{err.get('Code', '')}]"
            ) from None
        except BotoCoreError as exc:
            raise SourceError(f"sts:GetCallerIdentity failed: {exc}") from None
        except ValueError as exc:
            # botocore parses a credential_process's output with json.loads, unwrapped.
            raise SourceError(f"AWS credentials{self._profile_label()}: the credential process "
                              f"printed something that is not valid JSON ({exc})") from None
        self._account_id = str(identity["Account"])
        return identity


def _keep_account_off_custom_host(client: Any) -> None:
    """s3control puts the account id in front of the host; on a custom endpoint that fails.

    `inject_host_prefix=False` does not help (FIELD-NOTES), so the prefix is stripped before
    signing, and only when the endpoint is not AWS's own (where the prefix is required).
    """
    endpoint = client.meta.endpoint_url or ""
    host = urlsplit(endpoint).hostname or ""
    if not endpoint or host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn"):
        return

    def strip(request: Any, **_: Any) -> None:
        url = request.url
        if urlsplit(url).hostname != host:
            request.url = _ACCOUNT_HOST_PREFIX.sub(r"\1", url, count=1)

    client.meta.events.register("before-sign.s3-control.*", strip)
