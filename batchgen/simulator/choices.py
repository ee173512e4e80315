"""The choices of the worlds the simulator can play (:mod:`worlds`), in a module that loads nothing, so
the command line's parser can offer them without loading the simulator."""

REDIRECT_ROUTES = ("submit", "status", "result", "history", "credits")
REDIRECT_TARGETS = ("other", "same")
OUTPUT_SHAPES = ("string", "list", "object", "url-object", "list-preview-first")
OUTAGE_KINDS = ("503", "drop")
REFUSAL_STATUSES = (401, 403)  # what a gateway in front of the API answers a route it refuses with (an HTML page)
STATE_CASES = ("upper", "lower")
HISTORY_IDS = ("same", "bare")  # the history spells a request id as its submit did, or as 32 bare hex digits
# the name a history row gives its model: the slug, the slug behind a prefix, or a title without the slug
HISTORY_MODEL_NAMES = ("slug", "prefixed", "titled")
# what a history row keeps of a request's body: as sent, with the model's defaults filled in, as JSON text, or none
HISTORY_BODIES = ("sent", "filled", "text", "none")
ACCEPTED_STATUSES = (200, 201, 202)  # an accepted submit's (and a job in flight's) status: 200, or Created / Accepted
# what the credits route answers: the balance (documented), the 404 of an account with no balance record, an HTML
# page (HTTP 200), a JSON object without a balance, or 406 "Invalid content type"
CREDITS_ANSWERS = ("balance", "not-found", "html", "no-balance", "content-type")
# what a finished job's answers give as its charge (the result's metrics.cost, the history row's credits_deduction):
# what it was charged, 0 (a charge not posted yet when it finished), or nothing (the fields left out, null)
CHARGES_SHOWN = ("charged", "zero", "none")
HISTORY_SHOWS = ("all", "finished")  # the history lists every request, or only those finished (no PENDING rows)
