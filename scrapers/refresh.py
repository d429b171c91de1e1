"""The refresh run: specs -> sources -> validated papers -> the store, in transactional batches.

For each source, in order: read its listing (paged APIs stream page by
page); a stub whose record is complete is validated and queued; a stub that
needs its paper page is skipped when the paper is already stored with the
same title (unless ``force``), otherwise its page is fetched by a small pool
of workers. Queued papers go to ``store.upsert`` in batches (one transaction
each), so an interruption (Ctrl-C) loses nothing already stored and never
leaves half a paper: on interruption the papers already complete are written
first, then the interruption goes on. A bad page is a warning naming its URL
and the run goes on. A source that yields no valid record is a *failed*
source (the CLI exits non-zero), and the summary says why, in words the user
can act on: "nothing listed", "all records invalid", "not allowed" (robots.txt),
"needs login" (with the variables to set), "cannot reach HOST (no network?)",
"stopped" (the site asked us to wait too long). Pages that cannot yield a
paper (front matter without an abstract) are remembered in a small JSON file
next to the HTTP cache and not fetched again on the next run.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tmlmap.corpus.records import Paper, RecordError, validate_record

from .base import NeedsLogin, NotAPaper, ParseError, Source, Stub
from .http import Fetcher, FetchError, HostStopped, RobotsDisallowed, Unreachable, redact
from .specs import ScrapeConfig, parse_spec

log = logging.getLogger(__name__)

#: progress(source_label, done, total_or_None)
ProgressFn = Callable[[str, int, int | None], None]


class RefreshInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`refresh`; ``summary`` tells what was stored before it."""

    def __init__(self, summary: RefreshSummary) -> None:
        super().__init__("refresh interrupted")
        self.summary = summary


class StoreLike(Protocol):
    """What a refresh needs of :class:`tmlmap.corpus.store.CorpusStore`."""

    def get(self, paper_id: str) -> Paper | None: ...

    def upsert(
        self, papers: Iterable[Paper], *, batch_size: int = ..., progress: Any = ...
    ) -> Any: ...

    def set_meta(self, key: str, value: str) -> None: ...


#: Why a source failed, in the words the summary uses.
NOTHING_LISTED = "nothing listed"
ALL_INVALID = "all records invalid"
NOT_ALLOWED = "not allowed"
NEEDS_LOGIN = "needs login"
UNREACHABLE = "cannot reach the site"
STOPPED = "stopped by the site"
ALL_FAILED = "every page failed"
ERROR = "could not read the listing"


def _kind_of(exc: BaseException) -> str:
    if isinstance(exc, NeedsLogin):
        return NEEDS_LOGIN
    if isinstance(exc, RobotsDisallowed):
        return NOT_ALLOWED
    if isinstance(exc, Unreachable):
        return UNREACHABLE
    if isinstance(exc, HostStopped):
        return STOPPED
    return ERROR


@dataclass
class SourceResult:
    """What happened to one source.

    ``listed``: stubs the listing yielded; ``fetched``: valid records read
    (from the network or the cache); ``new``/``updated``/``unchanged``/``merged``:
    the store's verdicts; ``skipped``: papers already stored whose page was not
    fetched again; ``filtered``: valid papers older than ``since``; ``failed``:
    (url, reason) of pages that could not be fetched or parsed; ``invalid``:
    (url, reason) of records that failed validation; ``not_papers``: (url,
    reason) of pages without a paper (front matter), now remembered;
    ``remembered``: such pages known from an earlier run and not fetched;
    ``error``: why the source stopped early, if it did, and ``error_kind`` its
    category; ``policy``: the access rules followed; ``unreachable``: hosts
    that could not be reached.
    """

    label: str
    listed: int = 0
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    skipped: int = 0
    filtered: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)
    not_papers: list[tuple[str, str]] = field(default_factory=list)
    remembered: int = 0
    error: str | None = None
    error_kind: str | None = None
    policy: str = ""
    unreachable: set[str] = field(default_factory=set)
    failed_kinds: list[str] = field(default_factory=list)

    @property
    def failed_entirely(self) -> bool:
        """The source yielded no valid record (nothing new and nothing already stored)."""
        return self.fetched + self.skipped == 0

    @property
    def failure(self) -> str | None:
        """Why the source failed (one of the module's constants), or None when it did not."""
        if not self.failed_entirely:
            return None
        if self.error_kind is not None:
            return self.error_kind
        if self.failed_kinds and len(set(self.failed_kinds)) == 1 and not self.invalid:
            kind = self.failed_kinds[0]
            return ALL_FAILED if kind == ERROR else kind
        if self.invalid or self.not_papers or self.remembered:
            return ALL_INVALID
        if self.failed:
            return ALL_FAILED
        return NOTHING_LISTED if self.listed == 0 else ALL_INVALID

    def status(self) -> str:
        """``ok``, ``partial`` (stopped early, some data) or ``FAILED (<why>)``."""
        why = self.failure
        if why is not None:
            return f"FAILED ({why})"
        return "partial" if self.error else "ok"


@dataclass
class RefreshSummary:
    """The outcome of :func:`refresh`, per source and in total."""

    sources: list[SourceResult] = field(default_factory=list)
    dry_run: bool = False
    interrupted: bool = False
    network_requests: int = 0
    cache_hits: int = 0
    revalidated: int = 0

    def total(self, name: str) -> int:
        return sum(len(v) if isinstance(v := getattr(s, name), list) else v for s in self.sources)

    @property
    def ok(self) -> bool:
        """Every source yielded data and the run was not interrupted."""
        return not self.interrupted and not any(s.failed_entirely for s in self.sources)

    @property
    def changed(self) -> bool:
        return self.total("new") + self.total("updated") + self.total("merged") > 0

    def format(self, *, max_urls: int = 20) -> str:
        """A human-readable report: unreachable hosts first, one block per source, totals, then URLs."""
        verb = "would be " if self.dry_run else ""
        lines = []
        hosts = sorted({h for s in self.sources for h in s.unreachable})
        for host in hosts:
            lines.append(f"cannot reach {host} (no network?)")
        for s in self.sources:
            lines.append(
                f"{s.label}: {s.status()}; listed {s.listed}, fetched {s.fetched}, {verb}new {s.new}, "
                f"{verb}updated {s.updated}, unchanged {s.unchanged}, skipped (already stored) {s.skipped}, "
                f"failed {len(s.failed)}, invalid {len(s.invalid)}"
                + (f", no paper (front matter) {len(s.not_papers)}" if s.not_papers else "")
                + (f", known front matter not fetched {s.remembered}" if s.remembered else "")
                + (f", merged into existing papers {s.merged}" if s.merged else "")
                + (f", older than --since {s.filtered}" if s.filtered else "")
            )
            if s.error:
                lines.append(f"  stopped: {s.error}")
            if s.policy:
                lines.append(f"  access: {s.policy}")
        lines.append(
            f"total: fetched {self.total('fetched')}, {verb}new {self.total('new')}, "
            f"{verb}updated {self.total('updated')}, unchanged {self.total('unchanged')}, "
            f"skipped {self.total('skipped')}, failed {self.total('failed')}, invalid {self.total('invalid')} "
            f"({self.network_requests} requests, {self.cache_hits} from cache, "
            f"{self.revalidated} revalidated)"
        )
        for title, attr in (
            ("failed", "failed"),
            ("invalid records", "invalid"),
            ("pages without a paper (remembered, not fetched again; --force re-checks)", "not_papers"),
        ):
            items = [(s.label, url, why) for s in self.sources for url, why in getattr(s, attr)]
            if items:
                lines.append(f"{title}:")
                for _label, url, why in items[:max_urls]:
                    lines.append(f"  {url}  ({why})" if url else f"  {why}")
                if len(items) > max_urls:
                    lines.append(f"  ... and {len(items) - max_urls} more")
        if self.interrupted:
            lines.append(
                "interrupted: papers completed before the interruption were stored; run again to resume"
            )
        return redact("\n".join(lines))


class NoPaperMemory:
    """Pages known to hold no paper (front matter), by stub id, kept in a JSON file between runs.

    ``path`` None keeps the memory for this run only. A page is trusted as
    "no paper" only while its listing title is unchanged.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, dict[str, str]] = {}
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    self.entries = {
                        str(k): v for k, v in data.items() if isinstance(v, dict)
                    }
            except (OSError, ValueError) as exc:
                log.warning("ignoring an unreadable %s: %s", path, exc)

    def knows(self, stub: Stub) -> bool:
        entry = self.entries.get(stub.id)
        return entry is not None and _norm_title(entry.get("title", "")) == _norm_title(stub.title)

    def remember(self, stub: Stub, reason: str) -> None:
        self.entries[stub.id] = {"title": stub.title, "url": stub.url, "reason": reason}

    def save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(self.entries, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not save %s: %s", self.path, exc)


def memory_path(cache_path: Path | str | None) -> Path | None:
    """Where :class:`NoPaperMemory` lives: next to the HTTP cache (None when there is no cache)."""
    if cache_path is None:
        return None
    if cache_path == "auto":
        from .http import default_cache_path

        cache_path = default_cache_path()
    return Path(cache_path).parent / "scrape_no_paper.json"


def _norm_title(title: str) -> str:
    return re.sub(r"\W+", " ", title).strip().lower()


class _Run:
    """State of one source's refresh (batching, counting, skipping)."""

    def __init__(
        self,
        source: Source,
        store: StoreLike,
        fetcher: Fetcher,
        config: ScrapeConfig,
        *,
        force: bool,
        since: int | None,
        dry_run: bool,
        progress: ProgressFn | None,
        memory: NoPaperMemory | None = None,
    ) -> None:
        self.source = source
        self.memory = memory or NoPaperMemory(None)
        self.store = store
        self.fetcher = fetcher
        self.config = config
        self.force = force
        self.since = since
        self.dry_run = dry_run
        self.progress = progress
        policy = source.policy.describe()
        if source.policy.kind == "robots" and not fetcher.settings.respect_robots:
            policy = "robots.txt NOT consulted (HttpSettings.respect_robots is off)" + policy.partition("obeyed")[2]
        self.result = SourceResult(source.label, policy=policy)
        self.buffer: list[Paper] = []
        self.done = 0
        self.seen: set[str] = set()

    # -- bookkeeping ---------------------------------------------------------

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.source.label, self.done, self.source.total)

    def already_stored(self, stub: Stub) -> bool:
        if self.force:
            return False
        for pid in (stub.id, *stub.aliases):
            existing = self.store.get(pid)
            if existing is not None and (
                not stub.title or _norm_title(existing.title) == _norm_title(stub.title)
            ):
                return True
        return False

    def accept(self, stub: Stub, raw: dict[str, Any]) -> None:
        try:
            paper = validate_record(raw, where=stub.url or stub.id)
        except RecordError as exc:
            log.warning("invalid record: %s", exc)
            self.result.invalid.append((stub.url, str(exc).removeprefix(f"{stub.url}: ")))
            return
        self.result.fetched += 1
        if self.since is not None and paper.year < self.since:
            self.result.filtered += 1
            return
        self.buffer.append(paper)
        if len(self.buffer) >= self.config.batch_size:
            self.flush()

    def fail(self, stub: Stub, exc: BaseException) -> None:
        url = redact(getattr(exc, "url", None) or stub.url)
        reason = redact(str(getattr(exc, "reason", None) or str(exc).removeprefix(f"{url}: ")))
        log.warning("failed: %s: %s", url, reason)
        self.result.failed.append((url, reason))
        self.result.failed_kinds.append(_kind_of(exc))
        if isinstance(exc, Unreachable):
            self.result.unreachable.add(exc.host)

    def not_a_paper(self, stub: Stub, exc: NotAPaper) -> None:
        log.info("no paper at %s: %s", exc.url, exc.reason)
        self.result.not_papers.append((exc.url, exc.reason))
        self.memory.remember(stub, exc.reason)

    def flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        r = self.result
        if self.dry_run:
            for paper in batch:
                existing = self.store.get(paper.id)
                if existing is None:
                    r.new += 1
                elif existing == paper:
                    r.unchanged += 1
                else:
                    r.updated += 1
            return
        stats = self.store.upsert(batch, batch_size=self.config.batch_size)
        r.new += int(getattr(stats, "new", 0))
        r.updated += int(getattr(stats, "updated", 0))
        r.unchanged += int(getattr(stats, "unchanged", 0))
        r.merged += int(getattr(stats, "merged", 0))
        for err in getattr(stats, "errors", None) or []:
            r.invalid.append(("", str(err)))

    # -- the run ---------------------------------------------------------------

    def run(self) -> SourceResult:
        workers = max(1, self.config.workers)
        pool = cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scrape")
        pending: dict[cf.Future[dict[str, Any]], Stub] = {}

        def harvest(futures: Iterable[cf.Future[dict[str, Any]]]) -> None:
            for fut in futures:
                stub = pending.pop(fut)
                try:
                    raw = fut.result()
                except NotAPaper as exc:
                    self.not_a_paper(stub, exc)
                except ParseError as exc:
                    self.fetcher.forget(exc.url)  # a bad copy must not stay in the cache
                    self.fail(stub, exc)
                except FetchError as exc:
                    self.fail(stub, exc)
                except Exception as exc:  # noqa: BLE001 - a bad page must not stop the run
                    self.fail(stub, RuntimeError(f"{type(exc).__name__}: {exc}"))
                else:
                    self.accept(stub, raw)
                self.tick()

        try:
            try:
                for stub in self.source.listing(self.fetcher):
                    if stub.id in self.seen:
                        continue
                    self.seen.add(stub.id)
                    self.result.listed += 1
                    if not stub.needs_detail:
                        self.accept(stub, stub.raw)
                        self.tick()
                    elif self.already_stored(stub):
                        self.result.skipped += 1
                        self.tick()
                    elif not self.force and self.memory.knows(stub):
                        self.result.remembered += 1
                        self.tick()
                    else:
                        pending[pool.submit(self.source.detail, self.fetcher, stub)] = stub
                        if len(pending) >= 2 * workers:
                            done, _ = cf.wait(list(pending), return_when=cf.FIRST_COMPLETED)
                            harvest(done)
                while pending:
                    done, _ = cf.wait(list(pending), return_when=cf.FIRST_COMPLETED)
                    harvest(done)
                self.result.invalid.extend(self.source.unlisted)
            except (FetchError, ParseError) as exc:
                self.result.error = redact(str(exc))
                self.result.error_kind = _kind_of(exc)
                if isinstance(exc, Unreachable):
                    self.result.unreachable.add(exc.host)
                url = getattr(exc, "url", "")
                if isinstance(exc, ParseError):
                    self.fetcher.forget(url)
                self.result.failed.append((url, exc.reason))
                log.warning("%s stopped: %s", self.source.label, redact(str(exc)))
                while pending:  # papers already being fetched are still worth keeping
                    done, _ = cf.wait(list(pending), return_when=cf.FIRST_COMPLETED)
                    harvest(done)
        except BaseException:
            # Ctrl-C: start nothing new, let the requests under way finish
            # (each is bounded by its timeout), keep every paper completed.
            pool.shutdown(wait=True, cancel_futures=True)
            harvest([f for f in list(pending) if f.done() and not f.cancelled()])
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self.flush()
        return self.result


def refresh(
    specs: list[str],
    store: StoreLike,
    *,
    force: bool = False,
    since: int | None = None,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    config: ScrapeConfig | None = None,
) -> RefreshSummary:
    """Refresh ``store`` from the sources ``specs`` name; return a :class:`RefreshSummary`.

    ``force`` refetches everything (bypassing the HTTP cache and the
    already-stored check); ``since`` keeps papers from that year on (and
    drops specs about earlier years); ``dry_run`` fetches and validates but
    writes nothing; ``progress(source_label, done, total)`` is called after
    each paper (total is None until the source knows it). All specs are
    checked before anything is fetched (:class:`~scrapers.specs.SpecError`).
    A KeyboardInterrupt stops the run after storing the papers completed so
    far and is re-raised as :class:`RefreshInterrupted` carrying the summary.
    """
    config = config or ScrapeConfig()
    sources = [parse_spec(spec, config, since=since) for spec in specs]
    summary = RefreshSummary(dry_run=dry_run)
    fetcher = Fetcher(config.http, force=force)
    memory = NoPaperMemory(memory_path(config.http.cache_path))
    try:
        for source in sources:
            if progress is not None:
                progress(source.label, 0, source.total)
            run = _Run(
                source,
                store,
                fetcher,
                config,
                force=force,
                since=since,
                dry_run=dry_run,
                progress=progress,
                memory=memory,
            )
            summary.sources.append(run.result)
            try:
                run.run()
            except KeyboardInterrupt as exc:
                summary.interrupted = True
                raise RefreshInterrupted(summary) from exc
    finally:
        summary.network_requests = fetcher.stats["network"]
        summary.cache_hits = fetcher.stats["cache_hits"]
        summary.revalidated = fetcher.stats["revalidated"]
        fetcher.close()
        if not dry_run:
            memory.save()
        if not dry_run and any(s.fetched for s in summary.sources):
            try:
                store.set_meta(
                    "last_refresh", dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
                )
            except Exception as exc:  # noqa: BLE001 - bookkeeping must not mask the run's outcome
                log.warning("could not record last_refresh: %s", exc)
    return summary
