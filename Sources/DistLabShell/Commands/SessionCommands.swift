import DistLab
import Foundation

/// `expect`, `source`, `record`, `help` and `exit`.
enum SessionCommands {
  static let specs: [CommandSpec] = [
    CommandSpec(
      "expect", family: .session,
      summary: "state a prediction about the last result or the world; a script fails when one does not hold",
      details: SubjectRegistry.helpLines() + [
        "Operators: == != < <= > >=. Combine with 'and' and 'or'."
      ],
      example: ["spawn 2", "rpc n2 add 10 20", "expect value == 30", "expect error == none and rtt < 10ms"],
      positionals: [
        Positional("SUBJECT", .text), Positional("OP", .text), Positional("VALUE", .text),
        Positional("and|or …", .text, .any),
      ], action: expect),
    CommandSpec(
      "source", family: .session, summary: "run a script's commands here, as if typed",
      example: ["source lab.distlab"], positionals: [Positional("FILE", .path)], action: source),
    CommandSpec(
      "record", family: .session,
      summary: "save this session (so far, and until 'record stop') as a transcript or script",
      details: [
        "A FILE ending in .distlab gets the commands only (a script); any other name gets a",
        "transcript: each command after 'distlab> ' followed by its output. 'distlab replay FILE'",
        "checks that a transcript still gives the same output. The file is written when the",
        "recording stops ('record stop', exit or end of input): an existing file is replaced",
        "whole, and only a regular file you may write.",
      ],
      example: ["record lesson.transcript", "record stop"], positionals: [Positional("FILE|stop", .path)],
      action: record),
    CommandSpec(
      "help", family: .session, summary: "list commands, or show one with an example",
      example: ["help", "help rpc", "help shard use"],
      positionals: [Positional("COMMAND", .command, .optional), Positional("SUBCOMMAND", .subcommand, .optional)],
      action: help),
    CommandSpec(
      "exit", family: .session, summary: "leave the shell (Ctrl-D does the same)",
      action: { (inv, _) throws(ShellError) in
        return .exit
      }),
  ]

  static func expect(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard !inv.positional.isEmpty else {
      throw ShellError("'expect' needs a prediction, like: expect value == 30", column: inv.column)
    }
    let expr = try ExpectationParser.parse(inv.positional)
    return .expectation(
      try ExpectationEvaluator(session: s).evaluate(expr, text: inv.positional.map(\.text).joined(separator: " ")))
  }

  static func source(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let t = inv.positional[0]
    guard s.sourceDepth < 8 else {
      throw ShellError("scripts source each other too deeply (8 levels)", column: t.column)
    }
    let path = ScriptFile.resolve(t.text, relativeTo: s.baseDirectory)
    if let sandbox = s.sandbox, !sandbox.allows(path) {
      throw ShellError(
        "a graded solution may source only files in its solutions folder; '\(t.text)' is outside it", column: t.column)
    }
    let lines = try ScriptFile.readLines(path, column: t.column)
    s.sourceDepth += 1
    defer { s.sourceDepth -= 1 }
    let report = ScriptRunner.run(lines: lines, file: t.text, session: s)
    if let error = report.firstError {
      throw ShellError(error.replacingFirst(": error: ", with: ": "), column: t.column)
    }
    return .sourced(
      path: t.text, commands: report.commands, failedExpectations: report.failedExpectations, output: report.output)
  }

  static func record(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let t = inv.positional[0]
    if t.text == "stop" && !t.quoted {
      guard let r = s.stopRecording() else { throw ShellError("nothing is being recorded", column: t.column) }
      do {
        try r.finish()
      } catch {
        throw ShellError("recording not saved: '\(r.path)' \(error.reason)", column: t.column)
      }
      return .recording(.stopped(path: r.path, commands: r.commands))
    }
    guard !s.isRecording else { throw ShellError("already recording; 'record stop' first", column: t.column) }
    let kind: RecordingKind = t.text.hasSuffix(".distlab") ? .script : .transcript
    if kind == .transcript && s.journalOutputDropped {
      throw ShellError(
        "this session's earlier output (over \(s.journalOutputLimit) characters) was not kept, so it cannot be a transcript; record a script (FILE.distlab) instead",
        column: t.column)
    }
    let recorder: Recorder
    do {
      // Like `source`, a relative path is read from the script's folder.
      recorder = try Recorder(path: ScriptFile.resolve(t.text, relativeTo: s.baseDirectory), kind: kind, session: s)
    } catch {
      throw ShellError("cannot write '\(t.text)': \(error.reason)", column: t.column)
    }
    s.startRecording(recorder)
    return .recording(.started(path: t.text, kind: kind, replayed: recorder.commands))
  }

  static func help(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard let t = inv.word(0) else { return .help(.overview(CommandRegistry.all)) }
    guard let spec = CommandRegistry.command(t.text) else {
      throw ShellError(
        "no command '\(t.text)'\(Suggest.hint(for: t.text, in: CommandRegistry.names)); type 'help' for the list",
        column: t.column)
    }
    if let sub = inv.word(1) {
      guard let subSpec = spec.subcommand(sub.text) else {
        throw ShellError(
          "'\(spec.name)' has no subcommand '\(sub.text)'\(Suggest.hint(for: sub.text, in: spec.subcommands.map(\.name)))",
          column: sub.column)
      }
      return .help(.command(subSpec))
    }
    var shown = spec
    if let more = spec.worldDetails { shown.details = more(s.world) + spec.details }
    return .help(.command(shown))
  }
}
