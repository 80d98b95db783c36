"""The ``guilu`` command: serve, seed, export-schema, create-user, import-credit, db, trusted-documents."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from api.config import get_settings

app = typer.Typer(
    help="Guilu (归鹭): talent-and-credit matching for Xiamen's returnee-talent programme.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


def _engine():  # type: ignore[no-untyped-def]
    from api.db import create_db_engine, init_db

    engine = create_db_engine(get_settings().database_url)
    init_db(engine)
    return engine


@app.command()
def serve(
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Create the schema and load the demo data first; without GUILU_SECRET_KEY, tokens are signed "
            "with a secret drawn for this run.",
        ),
    ] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Run the GraphQL service under uvicorn (http://HOST:PORT/graphql)."""
    import uvicorn

    if demo:
        os.environ["GUILU_DEMO"] = "true"
        get_settings.cache_clear()
        if not get_settings().secret_key:
            # One secret for every worker of this run, so each accepts the others' tokens; a new one per run.
            os.environ["GUILU_SECRET_KEY"] = secrets.token_urlsafe(32)
            get_settings.cache_clear()
    settings = get_settings()
    try:
        settings.check_production()
        settings.signing_secret()
        if settings.trusted_documents is not None:
            from api.trusted_documents import TrustedDocuments

            TrustedDocuments.load(settings.trusted_documents)
    except (RuntimeError, ValueError) as error:
        console.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(2) from None
    engine = _engine()
    if demo:
        from api.seed import load_demo

        report = load_demo(engine)
        console.print(f"demo data: {report.total} rows added" if report.total else "demo data: already loaded")
    engine.dispose()
    console.print(f"Guilu on http://{host}:{port}/graphql ({settings.database_url.split('://')[0]})")
    log_config: dict[str, Any] | None = None
    if settings.log_format == "json":
        from api.observability import json_log_config

        log_config = json_log_config()
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        **({"log_config": log_config} if log_config else {}),
    )


@app.command()
def seed(demo: Annotated[bool, typer.Option("--demo", help="Load the demo data set.")] = False) -> None:
    """Create the schema and load data; running it twice changes nothing."""
    if not demo:
        console.print("nothing to load: pass --demo")
        raise typer.Exit(2)
    from api.seed import load_demo

    report = load_demo(_engine())
    console.print(
        f"enterprises {report.enterprises}, talents {report.talents}, jobs {report.jobs}, "
        f"applications {report.applications}, accounts {report.accounts} added"
    )


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the SDL.")] = Path("schema.graphql"),
) -> None:
    """Write the GraphQL schema (SDL) to schema.graphql."""
    from api.graphql.schema import schema

    output.write_text(str(schema) + "\n", encoding="utf-8")
    console.print(f"wrote {output}")


@app.command("embed-vocabulary")
def embed_vocabulary(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the vectors (default seeds/skill_vectors.npz)."),
    ] = None,
) -> None:
    """Embed every surface form of the skill vocabulary (seeds/skills.json) for semantic similarity."""
    import time

    from api.config import get_settings
    from matching.semantic import TextVectors
    from matching.vocabulary import SkillVocabulary

    settings = get_settings()
    target = output or settings.skill_vectors_path
    vectors = TextVectors()
    started = time.perf_counter()
    SkillVocabulary.load(settings.skills_path, vectors=vectors)
    vectors.save(target)
    console.print(f"wrote {target}: {len(vectors)} texts embedded in {time.perf_counter() - started:.1f} s")


trusted_documents_app = typer.Typer(help="Trusted documents: the only operations a server with a manifest runs.")
app.add_typer(trusted_documents_app, name="trusted-documents")


@trusted_documents_app.command("build")
def build_trusted_documents(
    directory: Annotated[Path, typer.Argument(help="Searched (with its subfolders) for .graphql files.")],
    output: Annotated[Path, typer.Argument(help="The manifest to write, for GUILU_TRUSTED_DOCUMENTS.")],
) -> None:
    """Hash every named operation in DIRECTORY's .graphql files into a JSON manifest {sha256: document}.

    Operations are validated against the schema and stored as graphql-core prints them, each with the
    fragments it uses; clients send {"documentId": "sha256:<hex>"} (or that exact text).
    """
    import orjson

    from api.graphql.schema import schema
    from api.trusted_documents import TrustedDocumentsError, build_manifest

    files = sorted(directory.rglob("*.graphql"))
    if not files:
        console.print(f"[red]no .graphql file under {directory}[/red]")
        raise typer.Exit(2)
    try:
        manifest = build_manifest(files, schema._schema)
    except TrustedDocumentsError as error:
        console.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(1) from None
    output.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    console.print(f"wrote {len(manifest)} documents from {len(files)} files to {output}")


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="E-mail address of the new account.")],
    role: Annotated[str, typer.Option(help="talent, employer, judge, headhunter, credit_officer, bank_officer, admin")],
    enterprise: Annotated[str | None, typer.Option(help="USCC of the enterprise the account acts for.")] = None,
    bank: Annotated[
        str | None, typer.Option(help="The bank a bank_officer acts for (needed), spelled as its loan products' bank.")
    ] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create an account (e.g. the first admin of a fresh database)."""
    from sqlmodel import select

    from api.db import session_scope
    from api.models import Enterprise
    from api.services.accounts import create_account
    from api.services.errors import ServiceError
    from api.services.financing import officer_bank

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope(_engine()) as session:
            enterprise_id = None
            if enterprise is not None:
                code = "".join(enterprise.split()).upper()
                enterprise_id = session.exec(select(Enterprise.id).where(Enterprise.uscc == code)).first()
                if enterprise_id is None:
                    raise ServiceError(f"no enterprise with USCC {code}", field="enterprise")
            account = create_account(session, email=email, password=password, role=role, enterprise_id=enterprise_id)
            account.bank = officer_bank(account.role, bank)
            console.print(f"created {account.email} ({account.role})")
    except ServiceError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None


_FORMAT_BY_SUFFIX = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@app.command("import-credit")
def import_credit(
    file: Annotated[Path, typer.Argument(help="A CSV (with a header row) or JSON Lines file of credit records.")],
    format: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl; by default from the file's suffix.")
    ] = None,
    actor: Annotated[
        str | None, typer.Option(help="E-mail of the credit officer importing; written to the audit trail.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report; store nothing.")] = False,
) -> None:
    """Import public credit records: one transaction per file, re-importing changes nothing.

    Exit code 0 when no row was rejected, 1 when some were (the others are
    stored), 2 when the file cannot be read at all (nothing stored).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from sqlmodel import Session, select

    from api.models import Account
    from api.services import credit
    from api.services.errors import ServiceError

    fmt = (format or _FORMAT_BY_SUFFIX.get(file.suffix.lower(), "")).lower()
    if fmt not in ("csv", "jsonl"):
        console.print(f"[red]cannot tell the format of {file.name}: pass --format csv or --format jsonl[/red]")
        raise typer.Exit(2)
    try:
        content = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        console.print(f"[red]no such file: {file}[/red]")
        raise typer.Exit(2) from None
    except (OSError, UnicodeDecodeError) as error:
        console.print(f"[red]cannot read {file} as UTF-8 text: {error}[/red]")
        raise typer.Exit(2) from None
    engine = _engine()
    with Session(engine, expire_on_commit=False) as session:
        account = None
        if actor is not None:
            account = session.exec(select(Account).where(Account.email == actor.strip().lower())).first()
            if account is None or account.role != "credit_officer":
                console.print(f"[red]{actor} is not a credit officer's account[/red]")
                raise typer.Exit(2)
        with Progress(
            TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
        ) as bar:
            task = bar.add_task("rows", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            try:
                report = credit.import_credit_records(session, content, fmt, actor=account, via="cli", progress=advance)
            except ServiceError as error:
                session.rollback()
                console.print(f"[red]{file.name}: {error.message}; nothing imported[/red]")
                raise typer.Exit(2) from None
            except BaseException:
                session.rollback()
                raise
        if dry_run:
            session.rollback()
        else:
            session.commit()
    out = Console(soft_wrap=True)
    for line in credit.iter_report_lines(report):
        out.print(line, markup=False, highlight=False)
    out.print(report.summary() + (" (dry run: nothing stored)" if dry_run else ""), markup=False, highlight=False)
    if report.rejected:
        raise typer.Exit(1)


db_app = typer.Typer(help="The database schema: Alembic migrations shipped with Guilu.")
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision (default: the newest).")] = "head",
) -> None:
    """Apply every migration up to REVISION (run before starting a new version of Guilu)."""
    from api import migrate
    from api.db import create_db_engine

    engine = create_db_engine(get_settings().database_url)
    before = migrate.current(engine)
    migrate.upgrade(engine, revision)
    console.print(f"database at {migrate.current(engine)} (was {before or 'empty'})", highlight=False)


@db_app.command("current")
def db_current() -> None:
    """Print the revision the database is at, and the newest one this version ships."""
    from api import migrate
    from api.db import create_db_engine

    engine = create_db_engine(get_settings().database_url)
    current = migrate.current(engine)
    typer.echo(f"current: {current or 'none'}")
    typer.echo(f"head: {migrate.head()}")
    if current != migrate.head():
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
