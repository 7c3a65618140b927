"""Export pages: request, follow (page, JSON, refresh without JavaScript), download with safe
headers, expiry, and nothing of one organisation for another."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from portal.exports import service, storage
from portal.exports.models import DONE, FAILED, QUEUED, ExportJob
from portal.exports.render_xlsx import render_xlsx
from portal.extensions import db
from portal.orgs import scoping
from portal.timeutil import utcnow
from tests.exports.documents import full_document
from tests.orgs.conftest import snapshot
from tests.support.tenants import Tenant


def finished_job(tenant: Tenant, title: str = "Alle data for Acme AS") -> ExportJob:
    job = service.request_org_data_export(tenant.org, tenant.owner, "nb")
    job.title = title
    db.session.commit()  # in-process (no Redis) the job runs once this commits
    with scoping.org_scope(tenant.org):
        db.session.expire_all()
        job = db.session.get_one(ExportJob, job.id)
    assert job.status == DONE
    return job


def jobs_of(tenant: Tenant) -> list[ExportJob]:
    with scoping.system_scope():
        db.session.expire_all()
        return list(db.session.scalars(select(ExportJob).where(ExportJob.org_id == tenant.org.id)))


@pytest.mark.parametrize("role", ["owner", "admin", "editor", "member"])
def test_every_member_sees_the_export_page_and_only_owners_the_data_export(
    client, login, acme: Tenant, role: str
) -> None:
    login(client, acme.user(role))
    page = client.get("/orgs/acme/exports/").get_data(as_text=True)
    assert "Ny eksport" in page and 'class="ds-button' in page
    assert ("Alle data for organisasjonen" in page) is (role == "owner")


@pytest.mark.parametrize("role", ["admin", "editor", "member"])
def test_the_data_export_is_refused_below_owner(
    client, login, csrf_token, acme: Tenant, role: str
) -> None:
    login(client, acme.user(role))
    token = csrf_token(client, "/orgs/acme/exports/")
    response = client.post("/orgs/acme/exports/organisation", data={"csrf_token": token})
    assert response.status_code == 403 and jobs_of(acme) == []


def test_an_owner_requests_the_data_export_follows_it_and_downloads_it(
    client, login, csrf_token, acme: Tenant
) -> None:
    login(client, acme.owner)
    token = csrf_token(client, "/orgs/acme/exports/")
    response = client.post(
        "/orgs/acme/exports/organisation", data={"csrf_token": token, "language": "en"}
    )
    [job] = jobs_of(acme)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/orgs/acme/exports/{job.id}")
    assert (job.format, job.language, job.requested_by_id) == ("zip", "en", acme.owner.id)
    # In-process (no Redis) the job has run once the request committed.
    assert job.status == DONE
    state = client.get(f"/orgs/acme/exports/{job.id}/status").get_json()
    assert state == {
        "status": "done", "progress": 100, "finished": True, "error": None,
        "download_url": f"/orgs/acme/exports/{job.id}/download",
    }  # fmt: skip
    download = client.get(state["download_url"])
    payload = download.data
    download.close()
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="Alle data')
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        assert "organisation.json" in archive.namelist()
    history = client.get("/orgs/acme/exports/").get_data(as_text=True)
    assert "Alle data for Acme AS" in history and state["download_url"] in history


def test_the_job_page_shows_progress_and_refreshes_itself_without_javascript(
    client, login, acme: Tenant
) -> None:
    job = service.request_org_data_export(acme.org, acme.owner, "nb")
    job.progress = 40
    db.session.flush()  # not committed: in-process the job would run at once
    login(client, acme.member)
    page = client.get(f"/orgs/acme/exports/{job.id}").get_data(as_text=True)
    assert '<progress id="export-progress" max="100" value="40">' in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "js/export-progress.js" in page and f'href="/orgs/acme/exports/{job.id}"' in page
    state = client.get(f"/orgs/acme/exports/{job.id}/status").get_json()
    assert state["status"] == QUEUED and state["progress"] == 40 and not state["finished"]
    assert state["download_url"] is None
    # Asking for the file before it is ready leads back to the job page.
    early = client.get(f"/orgs/acme/exports/{job.id}/download")
    assert early.status_code == 302


def test_a_download_name_keeps_aeoeaa_and_loses_paths(client, login, acme: Tenant) -> None:
    job = finished_job(acme, title="Strategi for Ærø ../../etc/passwd")
    login(client, acme.editor)
    response = client.get(f"/orgs/acme/exports/{job.id}/download")
    response.close()
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="Strategi for AEro . . etc passwd.zip"; '
        "filename*=UTF-8''Strategi%20for%20%C3%86r%C3%B8%20.%20.%20etc%20passwd.zip"
    )


def test_an_expired_export_shows_a_clean_page(app: Flask, client, login, acme: Tenant) -> None:
    job = finished_job(acme)
    login(client, acme.owner)
    service.purge_expired(now=utcnow() + timedelta(days=8))
    db.session.commit()
    response = client.get(f"/orgs/acme/exports/{job.id}/download")
    assert response.status_code == 410
    body = response.get_data(as_text=True)
    assert "Eksporten er utløpt" in body and "Lag en ny eksport" in body
    page = client.get(f"/orgs/acme/exports/{job.id}").get_data(as_text=True)
    assert "Filen er slettet" in page
    assert not storage.file_path(job.id, "zip").exists()


def test_a_failed_job_says_why(client, login, acme: Tenant) -> None:
    job = service.request_org_data_export(acme.org, acme.owner, "nb")
    job.status = FAILED
    job.error = "Eksporten feilet. Prøv igjen, og kontakt oss om det gjentar seg."
    db.session.flush()
    login(client, acme.owner)
    page = client.get(f"/orgs/acme/exports/{job.id}").get_data(as_text=True)
    assert "Eksporten feilet. Prøv igjen" in page and "Traceback" not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"workbook_id": "1", "format": "exe"}, "Ikke et gyldig valg"),
        ({"workbook_id": "1", "format": "pdf"}, "Fant ikke arbeidsboken"),
        ({"workbook_id": "../1", "format": "pdf"}, "Ikke en gyldig heltallsverdi"),
        ({"workbook_id": "99999999999", "format": "pdf"}, "Fant ikke arbeidsboken"),
        ({"workbook_id": "1", "snapshot_id": "-3", "format": "md"}, "Fant ikke versjonen"),
    ],
)
def test_a_bad_export_request_is_a_clear_error_and_writes_nothing(
    client, login, csrf_token, acme: Tenant, data: dict[str, str], message: str
) -> None:
    login(client, acme.editor)
    token = csrf_token(client, "/orgs/acme/exports/")
    response = client.post("/orgs/acme/exports/", data={"csrf_token": token, **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert jobs_of(acme) == []


def test_another_organisation_reaches_none_of_it(
    client, login, acme: Tenant, fjord: Tenant
) -> None:
    job = finished_job(acme)
    login(client, fjord.owner)
    for path in ("", "/status", "/download"):
        assert client.get(f"/orgs/acme/exports/{job.id}{path}").status_code == 404
        assert client.get(f"/orgs/fjord/exports/{job.id}{path}").status_code == 404
    history = client.get("/orgs/fjord/exports/").get_data(as_text=True)
    assert "Acme" not in history


@pytest.mark.parametrize("role", ["admin", "editor", "owner"])
def test_editors_may_upload_a_spreadsheet_members_may_not(
    client, login, acme: Tenant, role: str
) -> None:
    login(client, acme.user(role))
    assert client.get("/orgs/acme/exports/import").status_code == 200
    login(client, acme.member)
    assert client.get("/orgs/acme/exports/import").status_code == 403


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"%PDF-1.7", "Filen er ikke en Excel-fil (.xlsx)."),
        (b"PK\x03\x04" + b"\0" * 64, "ikke en Excel-fil"),
    ],
)
def test_a_bad_upload_is_a_clear_message_and_writes_nothing(
    app: Flask, client, login, csrf_token, acme: Tenant, upload: bytes, message: str
) -> None:
    login(client, acme.editor)
    token = csrf_token(client, "/orgs/acme/exports/import")
    before = snapshot(acme.org)
    response = client.post(
        "/orgs/acme/exports/import",
        data={"csrf_token": token, "workbook_id": "1", "file": (io.BytesIO(upload), "plan.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert snapshot(acme.org) == before and jobs_of(acme) == []


def test_an_upload_for_a_workbook_the_organisation_lacks_is_refused(
    app: Flask, client, login, csrf_token, acme: Tenant
) -> None:
    login(client, acme.editor)
    token = csrf_token(client, "/orgs/acme/exports/import")
    data = {"csrf_token": token, "workbook_id": "424242",
            "file": (io.BytesIO(render_xlsx(full_document())), "plan.xlsx")}  # fmt: skip
    response = client.post("/orgs/acme/exports/import", data=data,
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 422
    assert "Fant ikke arbeidsboken" in response.get_data(as_text=True)
