"""`flask create-user` (CONTRACT.md)."""

from __future__ import annotations

from flask import Flask

from portal.accounts import passwords, service


def test_create_user_with_staff_role_and_verified(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "Redaktor@Example.org",
            "--password",
            "a long passphrase",
            "--staff",
            "editor",
            "--verified",
        ]
    )
    assert result.exit_code == 0, result.output
    user = service.find_by_email("redaktor@example.org")
    assert user is not None and user.staff_role == "editor" and user.is_verified
    assert passwords.verify_password(user.password_hash, "a long passphrase")


def test_create_user_refuses_a_duplicate_and_a_bad_role(app: Flask, create_user) -> None:
    existing = create_user()
    runner = app.test_cli_runner()
    duplicate = runner.invoke(args=["create-user", existing.email, "--password", "x" * 12])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    bad_role = runner.invoke(
        args=["create-user", "b@example.org", "--password", "x" * 12, "--staff", "king"]
    )
    assert bad_role.exit_code != 0
    plain = runner.invoke(args=["create-user", "plain@example.org", "--password", "x" * 12])
    assert plain.exit_code == 0
    assert not service.find_by_email("plain@example.org").is_verified
