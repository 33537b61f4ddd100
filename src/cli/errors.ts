/** The one error class of the `ct-graphql` command: a failure reported on stderr with exit code 1, without a stack trace. */
export class CliError extends Error {}
