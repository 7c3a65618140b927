"""Checks of the container set-up that need no Docker engine: compose, Dockerfile, scripts."""

from __future__ import annotations

import fnmatch
import os
import pwd
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
INIT_SCRIPT = ROOT / "docker" / "postgres-init" / "01-roles.sh"
ENV_EXAMPLE = ROOT / ".env.example"

APP_SERVICES = ("web", "worker", "beat", "migrate")
LONG_RUNNING = ("web", "worker", "beat", "postgres", "redis", "mailpit")
RUNTIME = ("web", "worker", "beat")
OWNER_ROLE = "veivalg_owner"
APP_ROLE = "veivalg_app"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err} …; "$$" is a literal "$".
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml must be a mapping"
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert isinstance(compose.get("services"), dict)
    return compose["services"]


def _argv(value: Any) -> list[str]:
    """A compose command / healthcheck test as a list of words."""
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    words = [str(word) for word in value]
    if words and words[0] in ("CMD", "CMD-SHELL"):
        shell = words[0] == "CMD-SHELL"
        words = words[1:]
        if shell:
            words = shlex.split(" ".join(words))
    return words


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def _walk_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_strings(item)


def _expand_defaults(text: str) -> str:
    """Interpolate as compose would with an empty .env: every variable takes its default."""
    return INTERPOLATION.sub(lambda m: m.group(3) if m.group(2) in (":-", "-") else "", text)


def _depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def _exec_form(rest: str) -> list[str]:
    rest = rest.strip()
    if rest.startswith("["):
        words = yaml.safe_load(rest)  # a JSON array is valid YAML
        assert isinstance(words, list), rest
        return [str(word) for word in words]
    return shlex.split(rest)


def _python_targets(words: list[str]) -> list[tuple[str, str | None]]:
    """(module, attribute) pairs named by gunicorn, celery -A / --app and flask --app."""
    targets: list[tuple[str, str | None]] = []
    program = Path(words[0]).name if words else ""
    for index, word in enumerate(words):
        value = None
        if word in ("-A", "--app") and index + 1 < len(words):
            value = words[index + 1]
        elif word.startswith(("--app=", "-A=")):
            value = word.split("=", 1)[1]
        elif program == "gunicorn" and re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", word):
            value = word
        if value:
            module, _, attribute = value.partition(":")
            targets.append((module, attribute or None))
    return targets


def _assert_module_exists(module: str, attribute: str | None, where: str) -> None:
    base = ROOT.joinpath(*module.split("."))
    candidates = [base.with_suffix(".py"), base / "__init__.py"]
    source = next((path for path in candidates if path.is_file()), None)
    assert source is not None, f"{where}: module {module!r} has no file in the repository"
    if attribute:
        text = source.read_text(encoding="utf-8")
        defined = re.search(
            rf"^(?:{attribute}\s*[:=]|def {attribute}\b"
            rf"|(?:from\s+\S+\s+)?import\s.*\b{attribute}\b)",
            text,
            re.MULTILINE,
        )
        assert defined, f"{where}: {source.relative_to(ROOT)} defines no {attribute!r}"


# --------------------------------------------------------------------------- compose


def test_compose_has_every_service(services: dict[str, dict[str, Any]]) -> None:
    expected = {"web", "worker", "beat", "migrate", "postgres", "redis", "mailpit"}
    assert expected <= set(services), f"missing: {sorted(expected - set(services))}"


def test_every_long_running_service_has_a_healthcheck(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} disables its healthcheck"
        words = _argv(check.get("test"))
        assert words and words != ["NONE"], f"{name}: healthcheck has no test"
        assert services[name].get("restart") in ("unless-stopped", "always", "on-failure")


def test_healthchecks_probe_the_right_things(services: dict[str, dict[str, Any]]) -> None:
    web = " ".join(_argv(services["web"]["healthcheck"]["test"]))
    assert "curl" in web and "/healthz" in web
    assert ":8000/" in web, "web healthcheck must hit gunicorn's port inside the container"
    worker = _argv(services["worker"]["healthcheck"]["test"])
    assert worker[:1] == ["celery"] and "inspect" in worker and "ping" in worker
    assert "pg_isready" in _argv(services["postgres"]["healthcheck"]["test"])
    assert _argv(services["redis"]["healthcheck"]["test"]) == ["redis-cli", "ping"]


def test_migrate_is_a_one_shot_that_runtime_services_wait_for(
    services: dict[str, dict[str, Any]],
) -> None:
    migrate = services["migrate"]
    assert migrate.get("restart") in ("no", None), "migrate must not restart after finishing"
    assert "healthcheck" not in migrate
    assert _argv(migrate.get("command")) == ["migrate"]
    entry = ENTRYPOINT.read_text(encoding="utf-8")
    assert re.search(r"^\s*migrate\)", entry, re.MULTILINE), "entrypoint has no migrate step"
    assert "flask --app wsgi db upgrade" in entry
    assert re.search(r"SEED_DEMO.*\n(?:.*\n){0,4}.*flask --app wsgi seed-demo", entry)
    assert _depends_on(migrate).get("postgres") == "service_healthy"
    for name in RUNTIME:
        deps = _depends_on(services[name])
        assert deps.get("migrate") == "service_completed_successfully", name
        assert deps.get("redis") == "service_healthy", name
    assert _depends_on(services["web"]).get("postgres") == "service_healthy"
    assert _depends_on(services["worker"]).get("postgres") == "service_healthy"


def test_app_services_build_this_repository(services: dict[str, dict[str, Any]]) -> None:
    for name in APP_SERVICES:
        service = services[name]
        build = service.get("build")
        context = build if isinstance(build, str) else (build or {}).get("context")
        assert context in (".", "./"), f"{name} must build the repository's Dockerfile"
        mounts = [str(volume) for volume in service.get("volumes", [])]
        assert any(mount.endswith(":/data/exports") for mount in mounts), name
        assert _environment(service).get("EXPORT_DIR") == "/data/exports", name
        env_files = service.get("env_file") or []
        env_files = [env_files] if isinstance(env_files, str | dict) else env_files
        paths = [item if isinstance(item, str) else item.get("path") for item in env_files]
        assert ".env" in paths or "./.env" in paths, f"{name} must read .env"


def test_commands_name_real_modules(services: dict[str, dict[str, Any]]) -> None:
    seen: set[str] = set()
    for name in APP_SERVICES:
        service = services[name]
        for words in (
            _argv(service.get("command")),
            _argv((service.get("healthcheck") or {}).get("test")),
        ):
            for module, attribute in _python_targets(words):
                _assert_module_exists(module, attribute, f"compose service {name}")
                seen.add(f"{module}:{attribute}" if attribute else module)
    for line in ENTRYPOINT.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith(("flask", "gunicorn", "celery")):
            for module, attribute in _python_targets(shlex.split(line)):
                _assert_module_exists(module, attribute, "docker/entrypoint.sh")
                seen.add(module)
    assert {"wsgi:app", "worker.celery_app:celery", "wsgi"} <= seen


def test_web_and_celery_commands(services: dict[str, dict[str, Any]]) -> None:
    web = _argv(services["web"]["command"])
    assert web[0] == "gunicorn" and web[-1] == "wsgi:app"
    assert "--bind=0.0.0.0:8000" in web or ["--bind", "0.0.0.0:8000"] in _pairs(web)
    ports = [str(port) for port in services["web"].get("ports", [])]
    assert any(port.endswith(":8000") for port in ports), "web must publish port 8000"
    worker = _argv(services["worker"]["command"])
    assert worker[:3] == ["celery", "-A", "worker.celery_app:celery"] and worker[3] == "worker"
    beat = _argv(services["beat"]["command"])
    assert beat[:3] == ["celery", "-A", "worker.celery_app:celery"] and beat[3] == "beat"
    schedule = beat[beat.index("--schedule") + 1]
    check = " ".join(_argv(services["beat"]["healthcheck"]["test"]))
    assert schedule in check, "beat's healthcheck must look at the schedule file beat writes"
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1


def _pairs(words: list[str]) -> list[list[str]]:
    return [words[i : i + 2] for i in range(len(words) - 1)]


def test_runtime_roles_are_separated(services: dict[str, dict[str, Any]]) -> None:
    for name in RUNTIME:
        env = {key: _expand_defaults(value) for key, value in _environment(services[name]).items()}
        assert env.get("VEIVALG_ENV") == "production", name
        url = urlsplit(env["DATABASE_URL"])
        assert url.scheme == "postgresql+psycopg", name
        assert (url.username, url.hostname, url.path) == (APP_ROLE, "postgres", "/veivalg"), name
        assert url.password, f"{name}: DATABASE_URL has no password"
        # An owner URL left in .env must not reach the processes that serve users.
        assert env.get("DATABASE_OWNER_URL") == "", name
        assert env.get("REDIS_URL", "").startswith("redis://redis:6379"), name
        assert env.get("MAIL_URL") == "smtp://mailpit:1025", name
    migrate = {k: _expand_defaults(v) for k, v in _environment(services["migrate"]).items()}
    owner = urlsplit(migrate["DATABASE_OWNER_URL"])
    assert (owner.username, owner.hostname, owner.path) == (OWNER_ROLE, "postgres", "/veivalg")
    assert urlsplit(migrate["DATABASE_URL"]).username == APP_ROLE
    assert migrate.get("DATABASE_APP_ROLE") == APP_ROLE


def test_postgres_service_runs_the_role_script(services: dict[str, dict[str, Any]]) -> None:
    postgres = services["postgres"]
    assert str(postgres["image"]).startswith("postgres:15")
    mounts = [str(volume) for volume in postgres.get("volumes", [])]
    init = [m for m in mounts if ":/docker-entrypoint-initdb.d" in m]
    assert init, "the init scripts are not mounted"
    source = ROOT / init[0].split(":", 1)[0]
    assert (source / INIT_SCRIPT.name).resolve() == INIT_SCRIPT.resolve()
    assert any(m.endswith(":/var/lib/postgresql/data") for m in mounts), "postgres data volume"
    env = _environment(postgres)
    for name in ("POSTGRES_PASSWORD", "POSTGRES_OWNER_PASSWORD", "POSTGRES_APP_PASSWORD"):
        assert _expand_defaults(env.get(name, "")), f"postgres gets no {name}"
    assert str(services["redis"]["image"]).startswith("redis:7")
    assert str(services["mailpit"]["image"]).startswith("axllent/mailpit")


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if not source.startswith((".", "/", "~")):
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_a_variable_has_one_default(compose: dict[str, Any]) -> None:
    """POSTGRES_APP_PASSWORD's default must be the same for postgres and for DATABASE_URL."""
    defaults: dict[str, set[str]] = {}
    for text in _walk_strings(compose):
        for match in INTERPOLATION.finditer(text):
            if match.group(2) in (":-", "-"):
                defaults.setdefault(match.group(1), set()).add(match.group(3))
    assert "POSTGRES_APP_PASSWORD" in defaults and "POSTGRES_OWNER_PASSWORD" in defaults
    for name, values in defaults.items():
        assert len(values) == 1, f"{name} has different defaults: {sorted(values)}"


def test_web_environment_is_documented_in_env_example(
    services: dict[str, dict[str, Any]],
) -> None:
    if not ENV_EXAMPLE.exists():
        pytest.skip(".env.example is not written yet")
    documented = set(
        re.findall(
            r"^[ \t]*#?[ \t]*(?:export[ \t]+)?([A-Z][A-Z0-9_]*)[ \t]*=",
            ENV_EXAMPLE.read_text(encoding="utf-8"),
            re.MULTILINE,
        )
    )
    web = services["web"]
    named = set(_environment(web))
    for text in _walk_strings(web):
        named |= {match.group(1) for match in INTERPOLATION.finditer(text)}
    # Production refuses to start without it, and compose takes it from .env alone.
    named.add("SECRET_KEY")
    missing = sorted(named - documented)
    assert not missing, f".env.example does not document: {missing}"


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_builds_a_non_root_image_with_pdf_libraries() -> None:
    instructions = _dockerfile_instructions()
    froms = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert froms and froms[0].split()[0] == "python:3.11-slim-bookworm"
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    for package in (
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
        "fonts-dejavu-core",
        "curl",
    ):
        assert package in runs, f"apt package {package} is not installed"
    assert "-c constraints.txt" in runs
    assert "pybabel compile -d portal/translations" in runs
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must run as a non-root user"
    exposed = [rest for keyword, rest in instructions if keyword == "EXPOSE"]
    assert "8000" in " ".join(exposed)


def test_dockerfile_entrypoint_and_cmd_exist() -> None:
    instructions = _dockerfile_instructions()
    entry = [_exec_form(rest) for keyword, rest in instructions if keyword == "ENTRYPOINT"]
    assert entry, "no ENTRYPOINT"
    workdir = [rest for keyword, rest in instructions if keyword == "WORKDIR"][-1]
    path = Path(entry[-1][0])
    assert path.is_relative_to(workdir), f"entrypoint {path} is not in the copied tree"
    assert ROOT / path.relative_to(workdir) == ENTRYPOINT
    assert any(keyword == "COPY" and rest.split()[0] == "." for keyword, rest in instructions)
    cmd = [_exec_form(rest) for keyword, rest in instructions if keyword == "CMD"]
    assert cmd, "no CMD"
    words = cmd[-1]
    assert words[0] == "gunicorn" and "0.0.0.0:8000" in words
    targets = _python_targets(words)
    assert targets == [("wsgi", "app")]
    for module, attribute in targets:
        _assert_module_exists(module, attribute, "Dockerfile CMD")
    envs = " ".join(rest for keyword, rest in instructions if keyword == "ENV")
    assert f"PYTHONPATH={workdir}" in envs, "wsgi.py and config.py are not installed packages"


def test_build_inputs_exist_and_are_not_ignored() -> None:
    assert (ROOT / "pyproject.toml").is_file()
    po_files = list((ROOT / "portal" / "translations").glob("*/LC_MESSAGES/*.po"))
    assert po_files, "pybabel compile fails on an image build without message catalogs"
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]

    def ignored(relative: str) -> bool:
        """Docker's rules, simplified: the last matching pattern wins; a match on a folder
        covers what is inside it; a leading **/ matches at any depth."""
        parts = relative.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        anywhere = [
            "/".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)
        ]
        result = False
        for pattern in patterns:
            negate = pattern.startswith("!")
            pattern = pattern.removeprefix("!").strip("/")
            if pattern.startswith("**/"):
                candidates, pattern = anywhere, pattern.removeprefix("**/")
            else:
                candidates = prefixes
            if any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates):
                result = not negate
        return result

    needed = [
        "pyproject.toml",
        "constraints.txt",
        "wsgi.py",
        "config.py",
        "portal/__init__.py",
        "worker/celery_app.py",
        "migrations/env.py",
        "docker/entrypoint.sh",
        str(po_files[0].relative_to(ROOT)),
    ]
    for relative in needed:
        assert not ignored(relative), f".dockerignore keeps {relative} out of the image"
    for relative in (".env", ".venv/bin/python", "instance/veivalg.db", ".git/HEAD"):
        assert ignored(relative), f".dockerignore lets {relative} into the build context"


# --------------------------------------------------------------------------- scripts


@pytest.mark.parametrize("script", [ENTRYPOINT, INIT_SCRIPT], ids=lambda p: p.name)
def test_scripts_are_executable_bash(script: Path) -> None:
    assert script.is_file()
    assert script.stat().st_mode & stat.S_IXUSR, f"{script.name} is not executable"
    assert script.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")
    result = subprocess.run(
        ["bash", "-n", str(script)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_entrypoint_execs_the_given_command(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "EXPORT_DIR": str(tmp_path / "exports")}
    result = subprocess.run(
        [str(ENTRYPOINT), "echo", "hello from", "the command"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello from the command\n"
    assert (tmp_path / "exports").is_dir()


def test_init_script_declares_the_role_design() -> None:
    text = INIT_SCRIPT.read_text(encoding="utf-8")
    assert f'owner="{OWNER_ROLE}"' in text and f'app="{APP_ROLE}"' in text
    assert "NOBYPASSRLS" in text and "NOSUPERUSER" in text
    assert re.search(
        r"ALTER DEFAULT PRIVILEGES FOR ROLE :\"owner\"[^;]*"
        r"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES",
        text,
    )
    assert re.search(r"GRANT USAGE, SELECT ON SEQUENCES", text)
    assert "POSTGRES_OWNER_PASSWORD" in text and "POSTGRES_APP_PASSWORD" in text


def _postgres_runner() -> list[str] | None:
    """A prefix that runs PostgreSQL's tools as a non-root user, or None when we cannot."""
    if not (shutil.which("initdb") and shutil.which("pg_ctl") and shutil.which("psql")):
        return None
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    runuser = shutil.which("runuser")
    return [runuser, "-u", "postgres", "--"] if runuser else None


def test_init_script_makes_an_rls_bound_runtime_role() -> None:
    """Runs 01-roles.sh on a throwaway cluster, twice, and checks what each role may do."""
    runner = _postgres_runner()
    if runner is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) to run the script with")
    workdir = Path(tempfile.mkdtemp(prefix="veivalg-pg-"))
    if runner:
        shutil.chown(workdir, user="postgres")
    data = workdir / "data"
    env = {
        "PATH": os.environ["PATH"],
        "PGHOST": str(workdir),
        "PGPORT": "5432",
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": "postgres",
        "POSTGRES_OWNER_PASSWORD": "owner-pw",
        "POSTGRES_APP_PASSWORD": "app 'pw",
    }

    def run(*args: str, user: str | None = None, check: bool = True) -> str:
        prefix = runner if user is None else []
        result = subprocess.run(
            [*prefix, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=workdir,
            timeout=120,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
        return result.stdout + result.stderr

    def sql(role: str, statement: str, check: bool = True) -> str:
        return run(
            "psql",
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-U",
            role,
            "-d",
            "veivalg",
            "-c",
            statement,
            user=role,
            check=check,
        )

    try:
        run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust")
        run(
            "pg_ctl",
            "-D",
            str(data),
            "-w",
            "-l",
            str(workdir / "log"),
            "-o",
            f"-c listen_addresses='' -k {workdir}",
            "start",
        )
        try:
            run(str(INIT_SCRIPT))
            run(str(INIT_SCRIPT))  # idempotent: a second run changes nothing but passwords
            roles = sql(
                "postgres",
                "SELECT rolname, rolsuper, rolbypassrls, rolcreaterole "
                "FROM pg_roles WHERE rolname LIKE 'veivalg%' ORDER BY 1",
            )
            assert roles.split() == [f"{APP_ROLE}|f|f|f", f"{OWNER_ROLE}|f|f|f"]
            assert (
                sql(
                    "postgres",
                    "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'veivalg'",
                ).strip()
                == OWNER_ROLE
            )
            sql(
                OWNER_ROLE,
                "CREATE TABLE note (id serial PRIMARY KEY, org_id int, body text);"
                "ALTER TABLE note ENABLE ROW LEVEL SECURITY;"
                "CREATE POLICY tenant ON note "
                "USING (org_id = current_setting('app.org_id')::int)",
            )
            visible = sql(
                APP_ROLE,
                "SET app.org_id = 1;"
                "INSERT INTO note (org_id, body) VALUES (1, 'a');"
                "SET app.org_id = 2; SELECT count(*) FROM note;",
            )
            assert visible.split()[-1] == "0", "RLS did not hide another tenant's row"
            for statement in (
                "CREATE TABLE x (i int)",
                "DROP TABLE note",
                "TRUNCATE note",
                "ALTER TABLE note DISABLE ROW LEVEL SECURITY",
            ):
                out = sql(APP_ROLE, statement, check=False)
                assert "ERROR" in out, f"runtime role could run: {statement}"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "fast", "stop", check=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
