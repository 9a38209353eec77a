"""One module per noun; each verb is `<verb>_args(parser)` + `<verb>(cli, args) -> exit code` (cf. docker/cli cli/command/*)."""
