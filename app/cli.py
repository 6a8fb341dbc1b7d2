"""``koshu``: the operator's command line (migrations, imports, revisions, jobs, the server)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

import app.models  # noqa: F401  (every table, and the hygiene guards on their columns)
from app.accounts import lecturers, security
from app.accounts import service as accounts
from app.accounts.models import QUALIFICATIONS
from app.accounts.tenancy import Principal
from app.config import Settings, get_settings
from app.courses import diffs, flows, service
from app.courses.definitions import CourseDefinition, DefinitionError, load_definitions
from app.db import make_engine, make_session_factory, session_scope
from app.errors import DomainError
from app.jobs import service as jobs

EXIT_REJECTED = 2
# The operator at the command line acts with an administrator's rights.
OPERATOR = Principal(user_id=None, role="admin", cooperative_id=None, display_name="operator (CLI)")


def migrate_database(settings: Settings) -> None:
    """Bring the database to the latest schema with Alembic."""
    from alembic import command
    from alembic.config import Config

    settings.ensure_dirs()
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    config.set_main_option("path_separator", "os")
    engine = make_engine(settings.resolved_database_url)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    engine.dispose()


class Context:
    def __init__(self) -> None:
        self.settings = get_settings()
        try:
            self.definitions = load_definitions(self.settings.courses_dir)
        except DefinitionError as exc:
            raise click.ClickException(str(exc)) from exc
        self.settings.ensure_dirs()
        security.configure(
            time_cost=self.settings.argon2_time_cost,
            memory_cost_kib=self.settings.argon2_memory_kib,
        )
        engine = make_engine(self.settings.resolved_database_url)
        self.factory = make_session_factory(engine)
        # The command's connections close with it, not when the garbage collector gets them.
        click.get_current_context().call_on_close(engine.dispose)

    def definition(self, code: str) -> CourseDefinition:
        try:
            return service.get_definition(self.definitions, code)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            yield from session_scope(self.factory)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc


pass_context = click.make_pass_decorator(Context, ensure=True)


@click.group()
def main() -> None:
    """Koshu: legal-protection lecture decks, revisions and training records."""


@main.command()
def migrate() -> None:
    """Bring the database to the latest schema."""
    migrate_database(get_settings())
    click.echo("database is up to date")


def _print_report(report: dict[str, Any]) -> None:
    click.echo(f"{report['status'].upper()}: {report['filename']} ({report['language']})")
    if report["revision"]:
        click.echo(
            f"  revision {report['revision']} ({report.get('revision_status')}), "
            f"{report.get('slide_count')} slides, import #{report['import_id']}"
        )
    for module in report["modules"]:
        click.echo(f"  {module['code']:<10} {module['slides']:>3} slides  {module['title']}")
    for problem in report["problems"]:
        where = " ".join(
            part
            for part in (
                problem.get("module") or "",
                f"slide {problem['slide']}" if problem.get("slide") else "",
            )
            if part
        )
        click.echo(f"  [{problem['severity']}] {where + ': ' if where else ''}{problem['message']}")
    for language in report.get("languages", []):
        if language["status"] != "missing":
            click.echo(f"  {language['language']:<8} {language['status']}")
    if report.get("stale_slides"):
        click.echo(
            f"  {len(report['stale_slides'])} translated slide(s) need work "
            "(see --json for the list)"
        )


@main.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course_code", required=True, help="course code, e.g. legal-protection")
@click.option("--language", required=True, help="language tag of the deck, e.g. ja, vi, km")
@click.option("--note", default=None, help="change note of a new master revision")
@click.option("--effective-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--revision", type=int, default=None, help="attach a translation to this revision")
@click.option("--confirm", is_flag=True, help="import although the deck fits another course")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@pass_context
def import_command(
    ctx: Context,
    path: Path,
    course_code: str,
    language: str,
    note: str | None,
    effective_date: Any,
    revision: int | None,
    confirm: bool,
    as_json: bool,
) -> None:
    """Import a deck; exit 0 when accepted (warnings allowed), 2 when rejected. A deck whose
    sections belong to another course is held (exit 1) unless --confirm is given."""
    definition = ctx.definition(course_code)
    with ctx.session() as session:
        report = flows.import_deck(
            session,
            settings=ctx.settings,
            definition=definition,
            upload=flows.DeckUpload(
                path=path,
                filename=path.name,
                language=language,
                note=note,
                effective_date=effective_date.date() if effective_date else None,
                revision=revision,
                confirm=confirm,
            ),
            definitions=ctx.definitions,
        )
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        _print_report(report)
    if report["status"] != "accepted":
        sys.exit(EXIT_REJECTED)


@main.command()
@click.option("--course", "course_code", required=True)
@click.argument("a", type=int)
@click.argument("b", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def diff(ctx: Context, course_code: str, a: int, b: int, as_json: bool) -> None:
    """List added, removed and changed slides between revisions A and B."""
    definition = ctx.definition(course_code)
    with ctx.session() as session:
        result = diffs.diff_revisions(session, service.ensure_course(session, definition), a, b)
    if as_json:
        click.echo(result.model_dump_json(by_alias=True, exclude_none=True, indent=2))
        return
    summary = result.summary
    click.echo(
        f"revision {a} -> {b}: {summary['added']} added, {summary['removed']} removed, "
        f"{summary['changed']} changed"
    )
    for module in result.modules:
        if module.status == "unchanged":
            continue
        click.echo(f"{module.code} ({module.status})")
        for language in module.languages:
            for change in ("added", "removed", "changed"):
                for entry in getattr(language, change):
                    number = entry.new_slide or entry.old_slide
                    click.echo(
                        f"  {language.language:<8} {change:<8} slide {number}: "
                        f"{(entry.new_title or entry.old_title or '')[:60]}"
                    )


@main.command()
@click.option("--course", "course_code", required=True)
@click.argument("number", type=int)
@pass_context
def publish(ctx: Context, course_code: str, number: int) -> None:
    """Publish a draft revision: new cohorts are taught it."""
    definition = ctx.definition(course_code)
    with ctx.session() as session:
        service.publish(session, service.ensure_course(session, definition), number)
    click.echo(f"revision {number} of {course_code} is published")


@main.command("assign-area")
@click.option("--course", "course_code", required=True)
@click.argument("module")
@click.argument("area")
@pass_context
def assign_area(ctx: Context, course_code: str, module: str, area: str) -> None:
    """Give a module the course definition does not list its statutory area."""
    definition = ctx.definition(course_code)
    with ctx.session() as session:
        count = service.assign_area(
            session, definition, service.ensure_course(session, definition), module, area
        )
    click.echo(f"module {module} is in area {area} ({count} module row(s) updated)")


@main.command()
@click.option("--course", "course_code", required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def revisions(ctx: Context, course_code: str, as_json: bool) -> None:
    """List a course's revisions with each language's status."""
    definition = ctx.definition(course_code)
    with ctx.session() as session:
        course = service.ensure_course(session, definition)
        rows = [
            {
                "revision": r.number,
                "status": r.status,
                "note": r.change_note,
                "languages": {
                    item["language"]: item["status"]
                    for item in service.language_statuses(session, r, definition)
                    if item["status"] != "missing"
                },
            }
            for r in service.list_revisions(session, course)
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        languages = ", ".join(f"{tag}:{status}" for tag, status in row["languages"].items())
        click.echo(f"{row['revision']:>3} {row['status']:<10} {languages}  {row['note'] or ''}")


@main.command()
@click.option("--once", is_flag=True, help="run the queued jobs, then exit")
@pass_context
def worker(ctx: Context, once: bool) -> None:
    """Run background jobs (slide rendering); several workers may run at once."""
    if once:
        count = jobs.run_until_empty(ctx.factory, ctx.settings)
        click.echo(f"{count} job(s) run")
        return
    thread = jobs.Worker(ctx.factory, ctx.settings)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        thread.stop()


@main.command("gc-files")
@click.option("--dry-run", is_flag=True)
@click.option(
    "--grace-seconds",
    type=float,
    default=None,
    help="leave files younger than this (default: KOSHU_GC_GRACE_SECONDS)",
)
@pass_context
def gc_files(ctx: Context, dry_run: bool, grace_seconds: float | None) -> None:
    """Delete stored files no row names and stale temporary files (left by killed work).

    Files younger than the grace period are kept: an import or a rendering running now may
    be about to commit the rows that name them.
    """
    from app.files import service as files

    grace = ctx.settings.gc_grace_seconds if grace_seconds is None else grace_seconds
    with ctx.session() as session:
        garbage = files.find_garbage(
            session,
            blobs_dir=ctx.settings.blobs_dir,
            tmp_dir=ctx.settings.tmp_dir,
            grace_seconds=grace,
        )
    if not dry_run:
        files.delete_garbage(garbage, grace_seconds=grace)
    verb = "found" if dry_run else "deleted"
    click.echo(
        f"{len(garbage.unreferenced)} unreferenced file(s) {verb}, "
        f"{len(garbage.stale_tmp)} stale temporary item(s) {verb}"
    )


def _secret(prompt: str, given: str | None, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return given or click.prompt(prompt, hide_input=True, confirmation_prompt=True)


@main.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@pass_context
def create_admin(ctx: Context, email: str, display_name: str, password_stdin: bool) -> None:
    """Create a platform administrator (the NPO) without the web."""
    password = _secret("Password", None, password_stdin)
    with ctx.session() as session:
        user = accounts.create_user(
            session, None, role="admin", email=email, display_name=display_name, password=password
        )
        click.echo(f"admin {user.email} created (id {user.id})")


@main.command("create-cooperative")
@click.option("--name", required=True)
@click.option("--licence", "licence_number", required=True, help="許可番号")
@click.option("--address", default="")
@click.option("--contact-name", default="")
@click.option("--contact-phone", default="")
@click.option("--contact-email", default="")
@pass_context
def create_cooperative(ctx: Context, **fields: str) -> None:
    """Create a supervising organisation (tenant)."""
    with ctx.session() as session:
        cooperative = accounts.create_cooperative(session, OPERATOR, **fields)
        click.echo(f"cooperative {cooperative.name} created (id {cooperative.id})")


@main.command("create-user")
@click.option("--role", type=click.Choice(["staff", "lecturer", "admin"]), required=True)
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--cooperative", "licence", default=None, help="licence number (staff)")
@click.option("--qualification", type=click.Choice(QUALIFICATIONS), default=None)
@click.option("--registration-number", default="")
@click.option(
    "--affiliation",
    "affiliations",
    multiple=True,
    help="an organisation the lecturer belongs to, by name; a cooperative or implementing "
    "organisation in Koshu is linked to it",
)
@click.option(
    "--outside",
    is_flag=True,
    help="affiliations whose names resemble known ones are other organisations, outside Koshu",
)
@click.option("--password", default=None, help="prompted for when not given")
@click.option("--password-stdin", is_flag=True)
@pass_context
def create_user(
    ctx: Context,
    role: str,
    email: str,
    display_name: str,
    licence: str | None,
    qualification: str | None,
    registration_number: str,
    affiliations: tuple[str, ...],
    outside: bool,
    password: str | None,
    password_stdin: bool,
) -> None:
    """Create a staff member, lecturer or admin."""
    secret = _secret("Password", password, password_stdin)
    with ctx.session() as session:
        cooperative_id = None
        if licence:
            cooperative = accounts.cooperative_by_licence(session, licence)
            if cooperative is None:
                raise click.ClickException(f"no cooperative with licence number {licence}")
            cooperative_id = cooperative.id
        user = accounts.create_user(
            session,
            None,
            role=role,
            email=email,
            display_name=display_name,
            password=secret,
            cooperative_id=cooperative_id,
            qualification=qualification,
            registration_number=registration_number,
            affiliations=[{"name": name, "outside": outside} for name in affiliations],
        )
        click.echo(f"{role} {user.email} created (id {user.id})")
        _echo_affiliations(user.lecturer.affiliations if user.lecturer else [])


def _echo_affiliations(affiliations: list[dict[str, Any]]) -> None:
    for affiliation in affiliations:
        linked = (
            f"cooperative {affiliation['cooperative_id']}"
            if affiliation.get("cooperative_id")
            else f"implementing organisation {affiliation['employer_id']}"
            if affiliation.get("employer_id")
            else "outside Koshu"
        )
        role = f", {affiliation['role']}" if affiliation.get("role") else ""
        click.echo(f"  affiliation: {affiliation['name']} ({linked}{role})")


@main.command("update-lecturer")
@click.argument("email")
@click.option(
    "--from",
    "valid_from",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="the day the change takes effect (default: today in Japan); earlier lectures keep "
    "the profile that held then",
)
@click.option("--qualification", type=click.Choice(QUALIFICATIONS), default=None)
@click.option("--registration-number", default=None)
@click.option(
    "--affiliation",
    "affiliations",
    multiple=True,
    help="the lecturer's affiliations from then on, by name (replacing the earlier ones)",
)
@click.option("--no-affiliations", is_flag=True, help="the lecturer belongs to no organisation")
@click.option("--outside", is_flag=True, help="see create-user")
@pass_context
def update_lecturer(
    ctx: Context,
    email: str,
    valid_from: Any,
    qualification: str | None,
    registration_number: str | None,
    affiliations: tuple[str, ...],
    no_affiliations: bool,
    outside: bool,
) -> None:
    """Change a lecturer's profile from a day on, keeping the earlier version."""
    with ctx.session() as session:
        user = accounts.user_by_email(session, email)
        if user is None:
            raise click.ClickException(f"no user with e-mail address {email}")
        changed = lecturers.update_profile(
            session,
            OPERATOR,
            user.id,
            valid_from=valid_from.date() if valid_from else None,
            qualification=qualification,
            registration_number=registration_number,
            affiliations=[{"name": name, "outside": outside} for name in affiliations]
            if affiliations or no_affiliations
            else None,
        )
        click.echo(f"lecturer {email} changed from {changed.current.valid_from}")
        _echo_affiliations(changed.current.affiliations)


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
@click.option("--workers", default=1, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Run the web app with uvicorn."""
    import uvicorn

    # Forwarded headers are trusted by the app itself, from KOSHU_TRUSTED_PROXIES only.
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
    )


@main.command("load-samples")
@click.option("--course", "course_code", default="legal-protection")
@click.option("--publish/--no-publish", "publish_first", default=True)
@pass_context
def load_samples(ctx: Context, course_code: str, publish_first: bool) -> None:
    """Import the sample decks from the slides folder once (master first), and publish them."""
    definition = ctx.definition(course_code)
    decks = sorted(ctx.settings.slides_dir.glob(f"{course_code}.*.pptx"))
    master = [d for d in decks if d.name.endswith(f".{definition.master_language}.pptx")]
    if not master:
        raise click.ClickException(
            f"no master deck {course_code}.{definition.master_language}"
            f".pptx in {ctx.settings.slides_dir}"
        )
    with ctx.session() as session:
        if service.latest_revision(session, service.ensure_course(session, definition)):
            click.echo(f"{course_code} already has revisions; samples not imported again")
            return
    for deck in master + [d for d in decks if d not in master]:
        language = deck.name.removesuffix(".pptx").rsplit(".", 1)[-1]
        with ctx.session() as session:
            report = flows.import_deck(
                session,
                settings=ctx.settings,
                definition=definition,
                upload=flows.DeckUpload(
                    path=deck,
                    filename=deck.name,
                    language=language,
                    note="Sample lecture" if deck in master else None,
                ),
            )
        _print_report(report)
        if report["status"] != "accepted":
            raise click.ClickException(f"sample deck {deck.name} was rejected")
    if publish_first:
        with ctx.session() as session:
            service.publish(session, service.ensure_course(session, definition), 1)
        click.echo("revision 1 published")


@main.command("load-demo")
@pass_context
def load_demo(ctx: Context) -> None:
    """Create demo accounts in two cooperatives and print how to log in (development only)."""
    from app import demo

    if ctx.settings.environment != "development":
        raise click.ClickException("demo accounts are only created in development mode")
    with ctx.session() as session:
        printed = demo.load(session)
    click.echo("Demo accounts (password or PIN):")
    for account in printed:
        click.echo(f"  {account['role']:<40} {account['login']:<32} {account['secret']}")
    click.echo("  trainees log in at /t/login with the code and PIN")


if __name__ == "__main__":
    main()
