"""``batchgen simulate``: serve the built-in Segmind v2 simulator on loopback until interrupted.

Flags become a ``SimConfig`` (faults, worlds, media faults, a kept account);
a bad flag or a port in use is an :class:`InputError`, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from typing import TypeVar

import anyio

from ..errors import InputError

T = TypeVar("T")


def simulate(args: argparse.Namespace) -> int:
    from ..simulator import SimConfig, SimServer

    rates = dict(_pairs(args.fault, "--fault", "KIND=PROBABILITY, e.g. submit_error_after=0.1", float))
    media = _pairs(args.media_fault, "--media-fault", "KIND=TEXT, e.g. wrong_duration=sunset", _nonempty)
    media_faults = {text: kind for kind, text in media}  # one kind may name several texts
    odd = _pairs(args.history_latency_odd, "--history-latency-odd", "KIND=TEXT, e.g. zero=sunset", _nonempty)
    latencies = dict(_pairs(args.model_latency, "--model-latency", "SLUG=SECONDS, e.g. kling-text2video=30", float))
    keys = args.api_key or ["SG_0123456789abcdef"]
    accounts = {key: "main" for key in args.second_key} | {key: "other" for key in args.other_account_key}
    try:
        config = SimConfig(
            time_scale=args.time_scale,
            rpm=args.rpm,
            credits=1000.0 if args.credits is None else args.credits,
            credits_status=args.credits_status,
            workers=args.workers,
            seed=args.seed,
            api_keys=frozenset(keys),
            rate_hint="both" if args.retry_after else args.rate_hint,
            rate_window_s=args.rate_window,
            latency_scale=args.latency_scale,
            model_latency_s=latencies,
            history=args.history,
            history_lag_s=args.history_lag,
            history_url=args.history_url,
            history_latency=args.history_latency,
            history_page_cap=args.history_page_cap,
            history_backlog=args.history_backlog,
            account_others_per_min=args.account_others,
            history_order=args.history_order,
            clock_offset_s=args.clock_offset,
            history_refuses=frozenset(args.history_refuse),
            nonterminal_result=args.unfinished_result,
            expiry_s=args.expiry,
            polls_count=not args.polls_free,
            rates=rates,
            media_faults=media_faults,
            history_latency_odd={text: kind for kind, text in odd},
            state_file=args.state_file,
            redirect_routes=frozenset(args.redirect),
            redirect_to=args.redirect_to,
            redirect_counted=args.redirect_counted,
            answer_time_s=args.answer_time,
            key_accounts=accounts,
            revoke_key=keys[0] if args.revoke_after is not None else None,
            revoke_after_submits=args.revoke_after,
            state_case=args.state_case,
            extra_states=args.extra_states,
            history_ids=args.history_ids,
            history_model_names=args.history_model_names,
            history_titled=frozenset(args.history_titled),
            history_bodies=args.history_bodies,
            history_shows=args.history_shows,
            charges_shown=args.charges_shown,
            accepted_status=args.accepted_status,
            credits_answer=args.credits_answer,
            cancel_prompts=tuple(args.cancel),
            output_shape=args.output_shape,
            outage_s=args.outage,
            outage_at_s=args.outage_at,
            outage_after_submits=args.outage_after_submits,
            outage_kind=args.outage_kind,
            refuse_routes=frozenset(args.refuse),
            refuse_status=args.refuse_status,
            refuse_after_submits=args.refuse_after_submits,
            refuse_s=args.refuse_for,
            extra_specs=tuple(args.models),
            history_image=args.history_image,
            inline_images=args.inline_images,
        )
    except ValueError as exc:
        raise InputError(f"simulate: {exc}") from None
    folder = os.path.dirname(os.path.abspath(args.state_file)) if args.state_file else ""
    if folder and not os.path.isdir(folder):  # found now, not when the account is saved at the end
        raise InputError(
            f"simulate: --state-file {args.state_file}: its folder {folder} does not exist; create it, or give "
            "a path in a folder that does"
        )

    serving = stopping = False  # past the listen; past the signal to stop (then an OSError is the account's save)

    async def serve() -> None:
        nonlocal serving, stopping
        # Signals are taken before anything is printed: a script that stops the simulator as soon as it
        # has read the banner gets a clean exit, not an interrupted one.
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async with SimServer(config, host=args.host, port=args.port, output_host=args.output_host) as sim:
                serving = True
                if args.credits is not None:  # the flag wins over a balance saved in --state-file
                    sim.state.balance = args.credits
                print(f"Segmind v2 simulator listening on {sim.url} (outputs on {sim.output_url})")
                saved = " (the balance saved in --state-file; --credits sets another)" if (
                    args.state_file and args.credits is None and sim.state.balance != config.credits
                ) else ""  # fmt: skip
                print(
                    f"  keys: {', '.join(sorted(config.api_keys))}; time scale {config.time_scale:g}x; "
                    f"rpm {config.rpm or 'unlimited'}; credits ${sim.state.balance:.2f}{saved}"
                )
                if config.key_accounts:
                    print("  more keys: " + ", ".join(f"{k} ({a} account)" for k, a in config.key_accounts.items()))
                scale = f" --time-scale {config.time_scale:g}" if config.time_scale != 1 else ""
                print(
                    f"  try: SEGMIND_API_KEY={sorted(config.api_keys)[0]} batchgen run jobs/example.yaml "
                    f"--base-url {sim.url}{scale} --out sim-out  (Ctrl-C stops the simulator)"
                )
                sys.stdout.flush()
                async for _ in signals:
                    break
                stopping = True

    try:
        anyio.run(serve)
    except OSError as exc:
        if stopping and args.state_file:
            raise InputError(
                f"simulate: cannot save the account to --state-file {args.state_file} ({exc.strerror or exc}); "
                "what this session did is lost: give --state-file a path you can write to"
            ) from None
        if stopping:  # (without --state-file nothing outlives the session: nothing is lost)
            raise InputError(f"simulate: stopped, but closing its server failed ({exc.strerror or exc})") from None
        if serving:  # (while it serves, only writing its banner can fail so)
            raise InputError(
                f"simulate: stopped: cannot write to its standard output ({exc.strerror or exc}); keep the "
                "output open while it serves (read the pipe on, or send it to a file)"
            ) from None
        where = f"{args.host}:{args.port}" + (f" (or {args.output_host})" if args.output_host else "")
        raise InputError(
            f"simulate: cannot listen on {where} ({exc.strerror or exc}); the port is probably in use: "
            "choose another with --port N, or --port 0 for any free port"
        ) from None
    except ValueError as exc:  # a state file that is not the simulator's, or cannot be read
        raise InputError(
            f"simulate: --state-file: {exc}; give --state-file a file the simulator saved, or a new path to "
            "start a new account"
        ) from None
    return 0


def _nonempty(text: str) -> str:
    if not text:
        raise ValueError("empty")
    return text


def _pairs(items: list[str], flag: str, usage: str, value: Callable[[str], T]) -> list[tuple[str, T]]:
    """``NAME=VALUE`` flags (repeatable), in order; a malformed one says how to write it."""
    pairs: list[tuple[str, T]] = []
    for item in items:
        name, _, raw = item.partition("=")
        try:
            pairs.append((name, value(raw)))
        except ValueError:
            raise InputError(f"{flag} {item!r}: use {usage}") from None
    return pairs
