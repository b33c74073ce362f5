"""One module per CLI command group. Each exposes ``register(subparsers)``; handlers take ``(args, settings)``
and return an exit code. The list below is the single place a new command is wired in."""

COMMAND_MODULES = (
    "marquee.api.commands.catalog",
    "marquee.api.commands.documents",
    "marquee.api.commands.evaluate",
    "marquee.api.commands.judgments",
    "marquee.api.commands.experiments",
    "marquee.api.commands.online",
    "marquee.api.commands.ltr",
    "marquee.api.commands.encoder",
    "marquee.api.commands.report",
    "marquee.api.commands.bench",
    "marquee.api.commands.serve",
    "marquee.api.commands.simulate",
    "marquee.api.commands.models",
    "marquee.api.commands.recommendations",
    "marquee.api.commands.rules",
)
