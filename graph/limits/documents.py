"""The parse and validation cache, and the checks every document goes through before it runs.

Parsing and validating a document cost more than executing a small one, and a client sends the
same few documents again and again. The cache keeps, per schema, the documents that were parsed
within the size limit AND passed validation, which includes the depth and alias rules: a document
found in it has passed them all, so it skips both steps. A document that failed is not kept (it
is parsed and refused again). The cache is an LRU bounded to HOMEROOM_GRAPHQL_DOCUMENT_CACHE_SIZE
entries; persisted documents (graph.limits.persisted) are kept apart and never evicted.

The cost rule depends on the request's variables, so it runs for every request, cached or not,
after validation and before execution (a walk of the selections, microseconds).

Validation of a WebSocket's subscription would run on the event loop, where every other client
waits: it moves to a worker thread (queries and mutations already run on one).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Iterator

from graphql import DocumentNode
from starlette.concurrency import run_in_threadpool
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from graph.limits.cost import cost_error, estimate_cost


class DocumentCache:
    """Valid documents by their text: an LRU of ``size`` entries, plus the pinned texts (persisted
    documents), kept once valid and never evicted. Thread-safe: operations run on many threads."""

    def __init__(self, size: int, pinned: Iterable[str] = ()) -> None:
        self.size = size
        self._pinned_texts = frozenset(pinned)
        self._pinned: dict[str, DocumentNode] = {}
        self._recent: OrderedDict[str, DocumentNode] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> DocumentNode | None:
        with self._lock:
            document = self._pinned.get(text)
            if document is None and (document := self._recent.get(text)) is not None:
                self._recent.move_to_end(text)
            return document

    def put(self, text: str, document: DocumentNode) -> None:
        """Keep ``document``, which passed parsing (within the size limit) and validation."""
        with self._lock:
            if text in self._pinned_texts:
                self._pinned[text] = document
                return
            if self.size <= 0:
                return
            self._recent[text] = document
            self._recent.move_to_end(text)
            while len(self._recent) > self.size:
                self._recent.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._pinned) + len(self._recent)


class DocumentChecks(SchemaExtension):
    """Parse and validation through the cache, then the cost rule, before anything executes."""

    def __init__(self, *, cache: DocumentCache, max_cost: int) -> None:
        super().__init__()
        self.cache, self.max_cost = cache, max_cost
        self._cached = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            cached = self.cache.get(context.query)
            if cached is not None:
                context.graphql_document, self._cached = cached, True
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None:  # nothing refused the operation before validation
            if self._cached:
                errors = []
            else:
                arguments = (context.schema._schema, context.graphql_document, context.validation_rules)
                errors = (validate_document(*arguments) if getattr(context.context, "on_worker_thread", False)
                          else await run_in_threadpool(validate_document, *arguments))
                if not errors and context.query:
                    self.cache.put(context.query, context.graphql_document)
            if not errors:
                found = estimate_cost(context.schema._schema, context.graphql_document,
                                      operation_name=context.operation_name, variables=context.variables or {})
                if found > self.max_cost:
                    errors = [cost_error(found, self.max_cost)]
            context.pre_execution_errors = errors
        yield
