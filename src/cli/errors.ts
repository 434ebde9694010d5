/** A command's failure, reported to the operator as is (the message starts with `% `). */
export class CliError extends Error {
  constructor(message: string) {
    super(message.startsWith('%') ? message : `% ${message}`);
  }
}
