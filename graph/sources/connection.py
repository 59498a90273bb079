"""A live AWS connection: one boto3 session, cached thread-safe clients, the endpoint honoured.

Clients are created once per (service, region) under a lock because boto3 sessions are not
thread-safe while clients are. `endpoint_url` (the demo's moto server) wins; otherwise botocore
reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> itself, so LocalStack works unchanged.
"""

from __future__ import annotations

import random
import re
import threading
import time
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
#: Throttled attempts sts:GetCallerIdentity may use, the one call nothing loads without: a
#: burst of throttling (other tools sharing the account's STS rate) is waited out. Only
#: throttling gets this budget: a call that times out still ends after --max-attempts.
IDENTITY_ATTEMPTS = 10
#: AWS's throttling error codes (those botocore's retry modes treat as throttling).
_THROTTLED = frozenset({"Throttling", "ThrottlingException", "ThrottledException",
                        "RequestThrottledException", "TooManyRequestsException",
                        "RequestLimitExceeded", "RequestThrottled", "SlowDown",
                        "PriorRequestNotComplete"})
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
        self.max_attempts = max_attempts
        # "adaptive": botocore's standard retries plus a client-side rate limiter that slows
        # down when AWS throttles, which a load of thousands of per-bucket calls needs.
        self._config = botocore.config.Config(
            retries={"mode": retry_mode, "total_max_attempts": max_attempts},
            max_pool_connections=max_pool_connections,
            connect_timeout=timeout,
            read_timeout=timeout,
        )
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
        key = (service, region or self.default_region)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self.session.client(
                    service, region_name=key[1], endpoint_url=self.endpoint_url,
                    config=self._config,
                )
                if service == "s3control":
                    _keep_account_off_custom_host(client)
                self._clients[key] = client
        return client

    def write_client(self, service: str, region: str | None = None) -> Any:
        """A client that makes one attempt per call, for the wizard's writes.

        botocore retries timeouts, dropped connections and 5xx answers as if nothing had
        happened; for a write AWS may have done, the caller reads back instead of retrying
        (graph.wizard.writes).
        """
        key = (f"{service}#write", region or self.default_region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                config = self._config.merge(botocore.config.Config(
                    retries={"mode": "standard", "total_max_attempts": 1}))
                client = self.session.client(service, region_name=key[1],
                                             endpoint_url=self.endpoint_url, config=config)
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
            identity = self._identity()
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

    def _identity(self) -> dict[str, Any]:
        """GetCallerIdentity, asked again (after a pause) while AWS only throttles it: rounds
        of one botocore call (with its own retries) until IDENTITY_ATTEMPTS attempts or more
        have been throttled."""
        rounds = max(1, -(-IDENTITY_ATTEMPTS // self.max_attempts))
        done = 0
        while True:
            try:
                identity: dict[str, Any] = self.client("sts").get_caller_identity()
                return identity
            except ClientError as exc:
                done += 1
                if exc.response.get("Error", {}).get("Code", "") not in _THROTTLED \
                        or done >= rounds:
                    raise
            identity_pause(done)


def identity_pause(rounds: int) -> None:
    """The pause after `rounds` throttled rounds of GetCallerIdentity: botocore's own backoff
    (random, doubling, at most 20 s) continued."""
    time.sleep(random.uniform(0, min(20.0, 2.0 ** (rounds + 2))))


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
