"""The REST client (``ExoClient``) against the HTTP emulator over real loopback sockets: every
operation, blocking and asyncio, paging across many pages, faults, typed errors, the
credentials (whose reprs never show a secret) and the emulator's own surface."""

from __future__ import annotations

import asyncio
import math
import os
import pathlib
import socket
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import exchange_soa as soa

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "soa-core" / "tests" / "fixtures"
ADMIN = "admin@contoso.com"
READER = "reader@contoso.com"
SECRET = "e2e-client-secret-9f2c"
CLIENT_ID = "6f1c2d3e-0000-4000-8000-00000000c1a1"


def fast(**options: Any) -> dict[str, Any]:
    """Client options for tests: short waits, a short timeout."""
    base: dict[str, Any] = {
        "timeout": 10.0,
        "retry_delay": 0.01,
        "max_retry_delay": 0.1,
        "max_retry_after": 0.5,
    }
    base.update(options)
    return base


def synced_unmanaged(org: soa.SimulatedOrg) -> list[str]:
    return [
        str(m.user_principal_name)
        for m in org.list_mailboxes(dir_synced=True, cloud_managed=False)
        if m.recipient_type_details == "UserMailbox"
    ]


@pytest.fixture
def org() -> soa.SimulatedOrg:
    org = soa.SimulatedOrg.generate(150, 5)
    org.add_principal(READER, ["View-Only Organization Management"])
    return org


@pytest.fixture
def emu(org: soa.SimulatedOrg) -> Iterator[soa.Emulator]:
    with soa.Emulator(org) as emu:
        yield emu


@pytest.fixture
def client(emu: soa.Emulator) -> soa.ExoClient:
    return soa.ExoClient.for_emulator(
        emu, ADMIN, page_size=25, timeout=10.0, retry_delay=0.01, max_retry_delay=0.1
    )


# ---------------------------------------------------------------------------------------------
# Every operation, blocking
# ---------------------------------------------------------------------------------------------


def test_client_is_an_exchange_online_backend(
    client: soa.ExoClient, org: soa.SimulatedOrg, emu: soa.Emulator
) -> None:
    assert isinstance(client, soa.ExchangeOnline)
    assert isinstance(org, soa.ExchangeOnline)
    assert client.tenant == emu.tenant_id
    assert client.cloud == emu.cloud == soa.Cloud.custom(emu.base_url, emu.base_url)
    assert client.endpoint == emu.invoke_url
    assert client.page_size == 25
    assert client.concurrency == 8
    assert emu.tenant_id in repr(client)
    with pytest.raises(TypeError):
        soa.ExchangeOnline()


def test_every_operation_blocking(client: soa.ExoClient, org: soa.SimulatedOrg) -> None:
    upn = synced_unmanaged(org)[0]

    # Reads give what the organization holds.
    mailbox = client.get_mailbox(upn)
    assert isinstance(mailbox, soa.Mailbox)
    direct = org.get_mailbox(upn)
    assert mailbox.user_principal_name == direct.user_principal_name
    assert mailbox.exchange_guid == direct.exchange_guid
    assert mailbox.email_addresses == direct.email_addresses
    assert mailbox.is_dir_synced and not mailbox.is_exchange_cloud_managed
    user = client.get_user(upn)
    assert isinstance(user, soa.User)
    assert user.user_principal_name == upn
    assert user.display_name == org.get_user(upn).display_name

    # The write-scope rule applies over the wire too.
    with pytest.raises(soa.OutOfWriteScopeError) as scope:
        client.set_mailbox(upn, {"CustomAttribute1": "CLOUD"})
    assert scope.value.identity is not None

    # Flip, then edit in the cloud.
    client.set_cloud_managed(upn, True)
    assert org.get_mailbox(upn).is_exchange_cloud_managed is True
    client.set_mailbox(
        upn,
        {"CustomAttribute1": "CC-REST"},
        add={"EmailAddresses": "smtp:rest.alias@contoso.com"},
    )
    after = client.get_mailbox(upn)
    assert after.custom_attribute(1) == "CC-REST"
    assert "smtp:rest.alias@contoso.com" in after.email_addresses
    client.set_mailbox(upn, remove={"EmailAddresses": ["smtp:rest.alias@contoso.com"]})
    assert "smtp:rest.alias@contoso.com" not in client.get_mailbox(upn).email_addresses

    # The tenant default.
    config = client.get_organization_config()
    assert isinstance(config, soa.OrganizationConfig)
    assert config.block_exchange_provisioning_from_on_prem_enabled is False
    client.set_cloud_managed_by_default(True)
    assert client.get_organization_config().block_exchange_provisioning_from_on_prem_enabled
    assert org.cloud_managed_by_default is True
    client.set_cloud_managed_by_default(False)
    assert org.cloud_managed_by_default is False

    # RBAC and the audit log.
    grants = client.role_assignments("Set-Mailbox", "IsExchangeCloudManaged")
    assert {g.assignee for g in grants} == {
        g.assignee for g in org.role_assignments("Set-Mailbox", "IsExchangeCloudManaged")
    }
    assert ADMIN in {g.assignee for g in grants}
    flips = client.search_admin_audit_log(object=upn, parameter="IsExchangeCloudManaged")
    assert len(flips) == 1
    assert flips[0].cmdlet == "Set-Mailbox"
    assert flips[0].caller == ADMIN
    assert flips[0].succeeded
    assert flips[0].new_values == {"IsExchangeCloudManaged": True}
    assert len(client.search_admin_audit_log(cmdlets=["Set-OrganizationConfig"])) == 2
    assert client.search_admin_audit_log(caller="nobody@contoso.com") == []

    # Listings, filtered on the server.
    managed = [m.user_principal_name for m in client.list_mailboxes(cloud_managed=True)]
    assert upn in managed
    assert sorted(managed) == sorted(
        m.user_principal_name for m in org.list_mailboxes(cloud_managed=True)
    )
    shared = list(client.list_mailboxes(recipient_types=["SharedMailbox"]))
    assert shared and all(m.recipient_type_details == "SharedMailbox" for m in shared)


# ---------------------------------------------------------------------------------------------
# Every operation, asyncio
# ---------------------------------------------------------------------------------------------


def test_every_operation_asyncio(client: soa.ExoClient, org: soa.SimulatedOrg) -> None:
    first, second = synced_unmanaged(org)[:2]

    async def main() -> None:
        mailbox = await client.aget_mailbox(first)
        assert mailbox.user_principal_name == first
        user = await client.aget_user(first)
        assert user.user_principal_name == first
        with pytest.raises(soa.NotFoundError):
            await client.aget_mailbox("nobody-here@contoso.com")
        with pytest.raises(soa.OutOfWriteScopeError):
            await client.aset_mailbox(first, {"CustomAttribute2": "x"})
        # Two flips at once, on the shared runtime.
        await asyncio.gather(
            client.aset_cloud_managed(first, True), client.aset_cloud_managed(second, True)
        )
        await client.aset_mailbox(first, {"CustomAttribute2": "ASYNC"})
        assert (await client.aget_mailbox(first)).custom_attribute(2) == "ASYNC"
        config = await client.aget_organization_config()
        assert config.block_exchange_provisioning_from_on_prem_enabled is False
        await client.aset_cloud_managed_by_default(True)
        assert (await client.aget_organization_config()).block_exchange_provisioning_from_on_prem_enabled
        await client.aset_cloud_managed_by_default(False)
        grants = await client.arole_assignments("Set-Mailbox", "IsExchangeCloudManaged")
        assert ADMIN in {g.assignee for g in grants}
        records = await client.asearch_admin_audit_log(parameter="IsExchangeCloudManaged")
        assert {r.object for r in records} >= {first, second}
        # async for over a listing.
        seen = [m.user_principal_name async for m in client.list_mailboxes(cloud_managed=True)]
        assert first in seen and second in seen

    asyncio.run(main())
    assert org.get_mailbox(first).custom_attribute(2) == "ASYNC"
    # SimulatedOrg has the same asyncio forms.

    async def simulated() -> int:
        assert (await org.aget_mailbox(first)).is_exchange_cloud_managed
        return len([m async for m in org.list_mailboxes(dir_synced=True)])

    assert asyncio.run(simulated()) == sum(1 for _ in org.list_mailboxes(dir_synced=True))


def test_asyncio_forms_need_a_running_loop(client: soa.ExoClient) -> None:
    with pytest.raises(RuntimeError):
        client.aget_organization_config()


# ---------------------------------------------------------------------------------------------
# Paging
# ---------------------------------------------------------------------------------------------


def test_paging_across_many_pages_is_lazy(emu: soa.Emulator, org: soa.SimulatedOrg) -> None:
    expected = [m.exchange_guid for m in org.list_mailboxes()]
    assert len(expected) > 100
    client = soa.ExoClient.for_emulator(emu, ADMIN, page_size=7, timeout=10.0)

    emu.reset_stats()
    listing = client.list_mailboxes()
    assert emu.stats().invoke_requests == 0  # nothing is sent before the first item
    first = next(listing)
    assert emu.stats().cmdlet("Get-Mailbox") == 1  # one page
    rest = [m.exchange_guid for m in listing]
    assert [first.exchange_guid, *rest] == expected
    assert emu.stats().cmdlet("Get-Mailbox") == math.ceil(len(expected) / 7)
    assert next(listing, None) is None

    async def count() -> int:
        return len([m async for m in client.list_mailboxes()])

    assert asyncio.run(count()) == len(expected)

    # The emulator's own page cap wins over a larger preference.
    with soa.Emulator(org, max_page_size=10) as capped:
        big_pages = soa.ExoClient.for_emulator(capped, ADMIN, page_size=1000, timeout=10.0)
        assert sum(1 for _ in big_pages.list_mailboxes()) == len(expected)
        assert capped.stats().cmdlet("Get-Mailbox") == math.ceil(len(expected) / 10)


def test_a_listing_shared_by_threads_yields_each_mailbox_once(emu: soa.Emulator, org: soa.SimulatedOrg) -> None:
    expected = sorted(str(m.exchange_guid) for m in org.list_mailboxes())
    client = soa.ExoClient.for_emulator(emu, ADMIN, page_size=9, timeout=10.0)
    listing = client.list_mailboxes()
    seen: list[str] = []
    lock = threading.Lock()

    def drain() -> None:
        for mailbox in listing:
            with lock:
                seen.append(str(mailbox.exchange_guid))

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The calls took turns on the one pager: every mailbox once, none lost, none twice.
    assert sorted(seen) == expected
    assert next(listing, None) is None


def test_listings_from_several_threads(client: soa.ExoClient) -> None:
    expected = [m.exchange_guid for m in client.list_mailboxes()]
    results: list[list[str | None]] = []
    lock = threading.Lock()

    def work() -> None:
        guids = [m.exchange_guid for m in client.list_mailboxes()]
        with lock:
            results.append(guids)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == [expected] * 4


# ---------------------------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------------------------


def test_throttle_and_503s_still_complete(org: soa.SimulatedOrg) -> None:
    faults = soa.Faults(throttle_rate=40.0, throttle_burst=4, unavailable_rate=0.25)
    with soa.Emulator(org, faults=faults, seed=11) as emu:
        client = soa.ExoClient.for_emulator(emu, ADMIN, **fast(page_size=10, max_retries=12))
        expected = sorted(str(m.exchange_guid) for m in org.list_mailboxes())
        got = sorted(str(m.exchange_guid) for m in client.list_mailboxes())
        assert got == expected
        upn = synced_unmanaged(org)[0]
        client.set_cloud_managed(upn, True)
        assert client.get_mailbox(upn).is_exchange_cloud_managed
        # Applied exactly once, whatever was retried.
        assert len(org.search_admin_audit_log(object=upn, parameter="IsExchangeCloudManaged")) == 1
        stats = emu.stats()
        assert stats.faults.get("unavailable", 0) > 0
        assert stats.faults.get("throttled", 0) > 0
        assert stats.by_status.get(503, 0) > 0
        assert stats.by_status.get(429, 0) > 0
        assert stats.faults_total == sum(stats.faults.values())
        assert stats.to_dict()["invoke_requests"] == stats.invoke_requests


def test_writes_applied_but_answered_with_errors_are_not_repeated(org: soa.SimulatedOrg) -> None:
    with soa.Emulator(org, seed=3) as emu:
        emu.set_faults(applied_but_error_rate=1.0)
        client = soa.ExoClient.for_emulator(emu, ADMIN, **fast())
        upn = synced_unmanaged(org)[0]
        client.set_cloud_managed(upn, True)  # read back, found applied: success
        assert org.get_mailbox(upn).is_exchange_cloud_managed
        assert len(org.search_admin_audit_log(object=upn, parameter="IsExchangeCloudManaged")) == 1
        assert emu.stats().faults.get("applied_but_error", 0) >= 1


# ---------------------------------------------------------------------------------------------
# Typed errors
# ---------------------------------------------------------------------------------------------


def test_errors_are_typed(emu: soa.Emulator, org: soa.SimulatedOrg, client: soa.ExoClient) -> None:
    upn = synced_unmanaged(org)[0]

    with pytest.raises(soa.NotFoundError) as missing:
        client.get_mailbox("nobody-here@contoso.com")
    assert missing.value.what == "mailbox"
    assert missing.value.identity == "nobody-here@contoso.com"
    assert isinstance(missing.value, LookupError)

    # A token for a principal that holds no role.
    stranger = soa.ExoClient.for_emulator(emu, "stranger@fabrikam.com", **fast())
    with pytest.raises(soa.AccessDeniedError):
        stranger.get_mailbox(upn)
    with pytest.raises(soa.AccessDeniedError):
        next(stranger.list_mailboxes())
    # A read-only principal may read but not flip.
    reader = soa.ExoClient.for_emulator(emu, READER, **fast())
    assert reader.get_mailbox(upn).user_principal_name == upn
    with pytest.raises(soa.AccessDeniedError):
        reader.set_cloud_managed(upn, True)
    assert org.get_mailbox(upn).is_exchange_cloud_managed is False

    # A token the emulator never issued.
    bogus = soa.ExoClient(
        emu.tenant_id, soa.StaticTokenCredential("not-a-token"), emu.cloud, **fast(max_retries=0)
    )
    with pytest.raises(soa.AuthError):
        bogus.get_organization_config()
    # Revoked tokens.
    revoked = soa.ExoClient.for_emulator(emu, ADMIN, **fast(max_retries=0))
    revoked.get_organization_config()
    emu.revoke_tokens()
    with pytest.raises(soa.AuthError):
        revoked.get_organization_config()

    # An API version the gateway does not serve: an HTTP error with its status.
    with pytest.raises(soa.HttpError) as http:
        soa.ExoClient.for_emulator(
            emu, ADMIN, **fast(api_version="v1", max_retries=0)
        ).get_organization_config()
    assert http.value.status == 405

    # Throttled beyond the retries.
    emu.set_faults(soa.Faults(throttle_rate=0.2, throttle_burst=1))
    throttled = soa.ExoClient.for_emulator(emu, ADMIN, **fast(max_retries=0))
    with pytest.raises(soa.ThrottledError) as slow:
        for _ in range(3):
            throttled.get_organization_config()
    assert slow.value.retry_after is not None and slow.value.retry_after > 0
    emu.set_faults()
    assert emu.faults == soa.Faults()


def test_unreachable_gateway_is_a_transport_error(org: soa.SimulatedOrg) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    client = soa.ExoClient(
        "contoso.com",
        soa.StaticTokenCredential("t"),
        soa.Cloud.custom(url, url),
        **fast(max_retries=0),
    )
    with pytest.raises(soa.TransportError) as err:
        client.get_mailbox("alice@contoso.com")
    assert isinstance(err.value, ConnectionError)
    assert err.value.host is not None and str(port) in err.value.host

    # And after the emulator stops.
    with soa.Emulator(org) as emu:
        late = soa.ExoClient.for_emulator(emu, ADMIN, **fast(max_retries=0))
        late.get_organization_config()
    with pytest.raises(soa.TransportError):
        late.get_organization_config()


def test_client_options_are_validated(emu: soa.Emulator) -> None:
    token = soa.StaticTokenCredential(emu.issue_token(ADMIN))
    with pytest.raises(soa.InvalidInputError):
        soa.ExoClient(emu.tenant_id, token, emu.cloud, page_size=0)
    with pytest.raises(soa.InvalidInputError):
        soa.ExoClient(emu.tenant_id, token, emu.cloud, page_size=1001)
    with pytest.raises(soa.InvalidInputError):
        soa.ExoClient(emu.tenant_id, token, emu.cloud, concurrency=0)
    with pytest.raises(soa.InvalidInputError):
        soa.ExoClient(emu.tenant_id, token, emu.cloud, timeout=-1.0)
    with pytest.raises(soa.InvalidInputError):
        soa.ExoClient("a/b", token, emu.cloud)
    with pytest.raises(soa.InvalidInputError):
        soa.ExoClient(emu.tenant_id, token, "mars")
    with pytest.raises(TypeError):
        soa.ExoClient(emu.tenant_id, "token", emu.cloud)  # type: ignore[arg-type]
    # Only https, except on loopback.
    with pytest.raises(soa.InvalidInputError):
        soa.Cloud.custom("http://example.com", "http://example.com")


# ---------------------------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------------------------


def test_client_secret_credential_against_the_emulator(
    emu: soa.Emulator, org: soa.SimulatedOrg
) -> None:
    emu.register_app(CLIENT_ID, SECRET, ADMIN)
    credential = soa.ClientSecretCredential(emu.tenant_id, CLIENT_ID, SECRET, cloud=emu.cloud)
    assert credential.tenant == emu.tenant_id
    assert credential.client_id == CLIENT_ID
    client = soa.ExoClient(emu.tenant_id, credential, emu.cloud, **fast())
    assert client.get_organization_config().name == org.tenant
    stats = emu.stats()
    assert stats.token_requests == 1 and stats.tokens_issued >= 1
    client.get_organization_config()
    assert emu.stats().token_requests == 1  # the token is cached

    wrong = soa.ClientSecretCredential(emu.tenant_id, CLIENT_ID, "wrong-secret", cloud=emu.cloud)
    with pytest.raises(soa.AuthError) as err:
        soa.ExoClient(emu.tenant, wrong, emu.cloud, **fast(max_retries=0)).get_mailbox("x")
    assert "wrong-secret" not in str(err.value)
    assert SECRET not in str(err.value)


def test_client_certificate_credential_against_the_emulator(emu: soa.Emulator) -> None:
    key = (FIXTURES / "rest-test-key.pem").read_text()
    cert = (FIXTURES / "rest-test-cert.pem").read_bytes()
    emu.register_app(CLIENT_ID, None, ADMIN)
    for algorithm in ("PS256", "RS256"):
        credential = soa.ClientCertificateCredential(
            emu.tenant_id, CLIENT_ID, key, cert, cloud=emu.cloud, algorithm=algorithm
        )
        assert len(credential.thumbprint_sha256) == 43  # base64url of 32 bytes
        client = soa.ExoClient(emu.tenant_id, credential, emu.cloud, **fast())
        assert client.get_organization_config().name == "contoso.com"
    with pytest.raises(soa.InvalidInputError):
        soa.ClientCertificateCredential(emu.tenant_id, CLIENT_ID, "not a key", cert)
    with pytest.raises(soa.InvalidInputError):
        soa.ClientCertificateCredential(emu.tenant_id, CLIENT_ID, key, cert, algorithm="HS256")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        soa.ClientCertificateCredential(emu.tenant_id, CLIENT_ID, 42, cert)  # type: ignore[arg-type]


def test_credential_reprs_never_show_secrets() -> None:
    key = (FIXTURES / "rest-test-key.pem").read_text()
    cert = (FIXTURES / "rest-test-cert.pem").read_text()
    key_body = key.splitlines()[1]
    secret = soa.ClientSecretCredential("contoso.onmicrosoft.com", "app-id", "hunter2-s3cr3t")
    certificate = soa.ClientCertificateCredential(
        "contoso.onmicrosoft.com", "app-id", key, cert, cloud="GccHigh"
    )
    token = soa.StaticTokenCredential(
        "eyJ0eXAiOiJKV1Qi.secret-token", expires_at="2030-01-01T00:00:00Z"
    )
    client = soa.ExoClient("contoso.onmicrosoft.com", token)
    for obj, hidden in [
        (secret, "hunter2-s3cr3t"),
        (certificate, key_body),
        (token, "secret-token"),
        (client, "secret-token"),
    ]:
        assert hidden not in repr(obj)
        assert hidden not in str(obj)
        assert all(hidden not in str(getattr(obj, a, "")) for a in dir(obj) if not a.startswith("__"))
    assert repr(secret) == (
        "ClientSecretCredential(tenant='contoso.onmicrosoft.com', client_id='app-id', "
        "secret=<redacted>, cloud=Cloud('Commercial'))"
    )
    assert "<redacted>" in repr(certificate) and "Cloud('GccHigh')" in repr(certificate)
    assert repr(token) == (
        "StaticTokenCredential(token=<redacted>, expires_at='2030-01-01T00:00:00+00:00')"
    )
    assert isinstance(secret, soa.TokenCredential)
    assert isinstance(certificate, soa.TokenCredential)
    with pytest.raises(soa.InvalidInputError):
        soa.ClientSecretCredential("contoso.com", "app-id", "")
    with pytest.raises(soa.InvalidInputError):
        soa.ClientSecretCredential("contoso.com", "", "s")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_gets_a_clear_error(client: soa.ExoClient) -> None:
    client.get_organization_config()  # the runtime exists in this process
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork() in a multi-threaded process; that is the point here.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: report what a call does, and leave without cleanup
        try:
            client.get_organization_config()
            message = b"no error"
        except RuntimeError as e:
            message = str(e).encode()
        except BaseException as e:  # noqa: BLE001 - anything else is reported to the parent
            message = repr(e).encode()
        os.write(write, message[:4000])
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read().decode()
    os.waitpid(pid, 0)
    assert "forked" in answer, answer
    assert "spawn" in answer
    # The parent is unaffected.
    assert client.get_organization_config().name == "contoso.com"


def test_clouds() -> None:
    assert soa.Cloud("gcc-high").name == "GccHigh"
    assert soa.Cloud("USGovernmentDoD") == soa.Cloud("DoD")
    assert soa.Cloud("commercial").exchange_url == "https://outlook.office365.com/"
    assert soa.Cloud("Commercial").scope == "https://outlook.office365.com/.default"
    assert soa.Cloud("DoD").token_endpoint("contoso.onmicrosoft.com") == (
        "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
    )
    assert soa.Cloud("China").login_url == "https://login.chinacloudapi.cn/"
    assert repr(soa.Cloud("gcc")) == "Cloud('Commercial')"
    assert str(soa.Cloud("GccHigh")) == "GccHigh"
    custom = soa.Cloud.custom("https://exo.example.com", "https://login.example.com")
    assert custom.name == "Custom"
    assert repr(custom) == "Cloud.custom('https://exo.example.com/', 'https://login.example.com/')"
    assert soa.Cloud.custom("http://localhost:1", "http://[::1]:2").name == "Custom"
    with pytest.raises(soa.InvalidInputError):
        soa.Cloud("mars")
    with pytest.raises(soa.InvalidInputError):
        soa.Cloud.custom("ftp://127.0.0.1", "https://login.example.com")


# ---------------------------------------------------------------------------------------------
# The emulator itself
# ---------------------------------------------------------------------------------------------


def test_emulator_lifecycle(org: soa.SimulatedOrg) -> None:
    emu = soa.Emulator(org, seed=1)
    assert emu.base_url == f"http://127.0.0.1:{emu.port}"
    assert emu.tenant == "contoso.com"
    assert emu.invoke_url == f"{emu.base_url}/adminapi/beta/{emu.tenant_id}/InvokeCommand"
    assert emu.token_url == f"{emu.base_url}/{emu.tenant_id}/oauth2/v2.0/token"
    assert emu.base_url in repr(emu)
    # The emulator serves the organization it was given (the same state).
    served = emu.org
    served.add_cloud_mailbox("new.one@contoso.com")
    assert org.get_mailbox("new.one@contoso.com").user_principal_name == "new.one@contoso.com"
    client = soa.ExoClient.for_emulator(emu, ADMIN, **fast(max_retries=0))
    assert client.get_mailbox("new.one@contoso.com").is_dir_synced is False
    assert emu.stats().invoke_requests == 1
    emu.reset_stats()
    assert emu.stats().requests == 0
    emu.stop()
    emu.stop()  # idempotent
    with socket.socket() as s:
        # Nothing listens on the port any more (connections the server closed may linger in
        # TIME_WAIT, which SO_REUSEADDR allows for).
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", emu.port))
        s.listen()
    with pytest.raises(soa.TransportError):
        client.get_organization_config()


def test_emulator_faults_api(org: soa.SimulatedOrg) -> None:
    faults = soa.Faults(throttle_rate=2.5, latency=0.01, drop_before_rate=0.1, claims_challenge=True)
    assert faults.throttle_rate == 2.5
    assert faults.throttle_burst == 3
    assert faults.latency == pytest.approx(0.01)
    assert faults.drop_before_rate == 0.1
    assert faults.claims_challenge is True
    assert faults.unavailable_rate == 0.0
    assert faults.to_dict()["throttle"] == {"rate": 2.5, "burst": 3}
    assert repr(faults) == (
        "Faults(throttle_rate=2.5, throttle_burst=3, latency=0.01, drop_before_rate=0.1, "
        "claims_challenge=True)"
    )
    assert repr(soa.Faults()) == "Faults()"
    with pytest.raises(soa.InvalidInputError):
        soa.Faults(unavailable_rate=1.5)
    with pytest.raises(soa.InvalidInputError):
        soa.Faults(throttle_burst=3)
    with pytest.raises(soa.InvalidInputError):
        soa.Faults(latency=-1.0)
    with soa.Emulator(org, faults=faults) as emu:
        assert emu.faults == faults
        emu.set_faults(transient_error_rate=0.5)
        assert emu.faults == soa.Faults(transient_error_rate=0.5)
        with pytest.raises(soa.InvalidInputError):
            emu.set_faults(soa.Faults(), nul_forbidden_rate=0.5)
        with pytest.raises(soa.InvalidInputError):
            emu.set_faults(nul_forbidden_rate=2.0)
        with pytest.raises(TypeError):
            emu.set_faults(no_such_fault=1.0)  # type: ignore[call-arg]
        with pytest.raises(soa.InvalidInputError):
            emu.register_app("has space", "s", ADMIN)
        # A claims challenge is answered by the client with a new token.
        emu.set_faults(claims_challenge=True)
        emu.register_app(CLIENT_ID, SECRET, ADMIN)
        credential = soa.ClientSecretCredential(emu.tenant_id, CLIENT_ID, SECRET, cloud=emu.cloud)
        client = soa.ExoClient(emu.tenant_id, credential, emu.cloud, **fast())
        assert client.get_organization_config().name == "contoso.com"
        assert emu.stats().faults.get("claims_challenge", 0) == 1
